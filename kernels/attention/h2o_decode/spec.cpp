// attention.h2o_decode — H2O heavy-hitter eviction, one decode step. The cache keeps at most
// heavy + recent tokens per KV head: the `recent` newest positions and the `heavy` older ones
// with the largest accumulated attention score acc_j (sum of the softmax probabilities token j
// received over all steps, summed over the query heads sharing the KV head). A step for the token
// at position p = seq_kv - 1:
//   1. append its K/V into the free slot (acc = 0);
//   2. attend over the cached tokens C:  O = sum_{j in C} softmax_j(scale q . k_j) v_j;
//   3. acc_j += sum_{g in group} P_g(j)  for j in C (P_g: query head g's probabilities);
//   4. if |C| > heavy + recent: evict argmin_{j in C, j <= p - recent} acc_j (ties: lowest
//      position); its slot is the next step's free slot.
// The accumulated scores before the step are seeded synthetic values (heavy-tailed, sink-heavy);
// the step's arithmetic is exact. The scores after the step are an output (checked against the
// float64 oracle with the evicted position); counters give kept/evicted tokens and the
// probability mass this step put on heavy hitters.
#include <algorithm>

#include "core/variant.hpp"
#include "kernels/attention/common/decode_cost.hpp"
#include "kernels/attention/common/decode_spec.hpp"

namespace moat::variants::attention_h2o_decode {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.h2o_decode";
  v.family = "attention/decode-kv-policy";
  v.summary = "H2O decode step: cache of recent tokens plus heavy hitters by accumulated attention; evicts the lightest";
  v.reference = "Zhang et al. 2023, H2O: Heavy-Hitter Oracle for Efficient Generative Inference of Large Language Models";
  v.params = attention::decode_schema();
  v.params.push_back(int_param("heavy", "heavy-hitter tokens kept (H2O: half of a 20% budget)", 256, 0, 1 << 22));
  v.params.push_back(int_param("recent", "newest tokens always kept, incl. the new one", 256, 1, 1 << 22));
  v.validate = [](const Params& p) { attention::validate_decode(p, true); };
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    const int keys = int(std::min<std::int64_t>(s.seq_kv, p.i("heavy") + p.i("recent") + 1));
    Cost c = attention::decode_cost(s, dt, attention::split_kv_schedule(s.batch, s.heads_kv, keys, 1));
    const double heads = double(s.batch) * s.heads_kv, bytes = bytes_of(dt);
    // score pass: re-read K, one dot and exp per (query head, key), read/write acc and the
    // step's scores; eviction scan reads positions and acc; append writes one K/V row.
    c.flops_matrix += 2.0 * heads * keys * s.group() * s.head_dim;
    c.flops_vector += heads * keys * (3.0 * s.group() + 2);
    c.special_ops += heads * keys * s.group();
    c.bytes_dram += heads * keys * (s.head_dim * bytes + 4 * 4) +
                    2.0 * heads * (s.head_dim + s.value_dim) * bytes;
    c.launches += 3;
    return c;
  };
  for (auto& sh : attention::decode_test_shapes(true, {{"heavy", 9}, {"recent", 7}}))
    v.test_shapes.push_back(sh);
  v.test_shapes.push_back({{"seq_q", 1}, {"seq_kv", 700}, {"heavy", 100}, {"recent", 64},
                           {"heads_q", 4}, {"heads_kv", 2}, {"head_dim", 32}});
  v.test_shapes.push_back({{"seq_q", 1}, {"seq_kv", 40}, {"heavy", 0}, {"recent", 10},
                           {"heads_q", 2}, {"heads_kv", 1}, {"head_dim", 16}});
  return v;
}

}  // namespace moat::variants::attention_h2o_decode
