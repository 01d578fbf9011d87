// attention.based — Based: causal linear attention with the 2nd-order Taylor feature map of exp,
//   phi(x) = [1, x / d^(1/4), vec(x x^T) / sqrt(2 d)],  phi(q).phi(k) = 1 + s + s^2/2, s = q.k/sqrt(d),
// normalized, plus a small causal sliding-window softmax attention over the last `window` keys:
//   O = LinearTaylor(Q, K, V) + SWA_window(Q, K, V).
// Based interleaves the two as separate layers; this op evaluates both branches on the same
// Q/K/V and sums them, so one case measures both kernels Based needs. head_dim is Based's
// feature dimension (16); the state has 1 + d + d^2 rows (273).
#include "core/variant.hpp"
#include "kernels/attention/common/linear_spec.hpp"

namespace moat::variants::attention_based {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.based";
  v.family = "attention/linear";
  v.summary = "Based: Taylor (2nd order) feature-map linear attention plus a small sliding-window softmax, summed";
  v.reference = "Arora et al. 2024, Simple linear attention language models balance the recall-throughput tradeoff (Based)";
  v.params = attention::shape_schema();
  for (auto& p : v.params) {
    if (p.name == "head_dim") p.default_value = std::int64_t(16);   // Based feature_dim
    if (p.name == "value_dim") p.default_value = std::int64_t(64);
  }
  v.params.push_back(int_param("window", "keys of the sliding-window softmax branch (Based: 64)", 64, 1, 1 << 20));
  for (auto& p : attention::linear::mode_schema()) v.params.push_back(p);
  v.validate = attention::linear::validate_causal;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    const double d = s.head_dim;
    Cost c = attention::linear::linear_cost({s, dt, int(1 + d + d * d), d * d + d, 0, 0, true,
                                             attention::linear::is_chunked(p), int(p.i("chunk"))});
    const int w = int(p.i("window")), off = s.seq_kv - s.seq_q, n = s.seq_kv;
    c += attention::flash_cost(s, dt, [=](int i) {
      return std::pair<int, int>(std::max(0, i + off - w + 1), std::min(n, i + off + 1));
    });
    c.flops_vector += double(s.o_elems());           // the sum of the branches
    c.bytes_dram += 2.0 * s.o_elems() * bytes_of(dt);  // second output read and added
    c.launches += 1;
    return c;
  };
  v.test_shapes = attention::linear::test_shapes({{"window", 20}});
  v.test_shapes.push_back({{"seq_q", 100}, {"seq_kv", 100}, {"window", 64}, {"heads_q", 2},
                           {"heads_kv", 1}, {"head_dim", 16}, {"value_dim", 32}});
  return v;
}

}  // namespace moat::variants::attention_based
