// attention.relative_bias — T5 relative position bias: a learned scalar per (head, bucket) added
// to every logit, buckets exact for short distances and log-spaced up to max_distance.
//   logit(i, j) = scale * q_i . k_j + B[h][bucket(j - (i + seq_kv - seq_q))]
// Bidirectional buckets unless causal (T5 decoder). B is deterministic (fixed-seed normal values);
// the kernel gathers it through a per-(head, relative distance) table built once per instance,
// as T5 implementations cache the bias over positions.
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_relative_bias {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.relative_bias";
  v.family = "attention/dense-softmax";
  v.summary = "softmax with T5 bucketed relative position bias per head";
  v.reference = "Raffel et al. 2020 (T5), Shaw et al. 2018; HF T5Attention";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("num_buckets", "relative position buckets", 32, 2, 1024));
  v.params.push_back(int_param("max_distance", "distance of the last bucket", 128, 2, 1 << 22));
  v.params.push_back(bool_param("causal", "decoder self-attention: causal mask, one-sided buckets", false));
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    auto c = attention::flash_cost_with_score_ops(
        s, dt, p.b("causal") ? attention::causal_range(s) : attention::full_range(s), 2, 0);
    c.bytes_dram += 4.0 * s.heads_q * (2.0 * s.seq_kv + s.seq_q);  // the bias-by-distance table
    return c;
  };
  for (bool causal : {false, true})
    for (auto& sh : attention::edge_shapes({{"causal", causal}, {"num_buckets", 8},
                                            {"max_distance", 40}}))
      v.test_shapes.push_back(sh);
  v.test_shapes.push_back({{"seq_q", 150}, {"seq_kv", 150}, {"heads_q", 2}, {"heads_kv", 1}});
  return v;
}

}  // namespace moat::variants::attention_relative_bias
