// attention.alibi — ALiBi: no position embedding; a per-head linear distance penalty on logits.
//   logit(i, j) = scale * q_i . k_j - m_h * |(i + seq_kv - seq_q) - j|,
//   m_h = 2^(-8 (h+1) / H) (geometric, see position_bias.hpp for H not a power of two).
// Causal by default (the paper's decoder setting); non-causal uses the symmetric distance.
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_alibi {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.alibi";
  v.family = "attention/dense-softmax";
  v.summary = "softmax with ALiBi: logit - slope_h * distance, geometric slopes per head";
  v.reference = "Press et al. 2022, Train Short, Test Long (ALiBi); BLOOM, MPT";
  v.params = attention::shape_schema();
  v.params.push_back(bool_param("causal", "mask keys after the query position", true));
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    // per score: distance, multiply by slope, add
    return attention::flash_cost_with_score_ops(
        s, dt, p.b("causal") ? attention::causal_range(s) : attention::full_range(s), 3, 0);
  };
  for (bool causal : {true, false})
    for (auto& sh : attention::edge_shapes({{"causal", causal}})) v.test_shapes.push_back(sh);
  v.test_shapes.push_back({{"seq_q", 40}, {"seq_kv", 40}, {"heads_q", 12}, {"heads_kv", 12},
                           {"head_dim", 8}});  // 12 heads: not a power of two
  return v;
}

}  // namespace moat::variants::attention_alibi
