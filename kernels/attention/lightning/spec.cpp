// attention.lightning — Lightning Attention (TransNormerLLM, MiniMax-01): causal linear attention
// without feature map or normalizer, with a fixed decay lambda_h per head:
//   O = ((Q K^T) .* M) V,  M_ts = lambda^(t-s) for s <= t,  lambda_h = exp(-slope_h),
//   slope_h = 2^(-8 (h+1) / heads)  (ALiBi slopes, as MiniMax-01's _build_slope_tensor).
// Lightning's tiling is exactly the chunked form: intra-block (masked, decayed Q K^T V) plus
// inter-block (Q through the carried state, decayed from the block start). Queries are scaled by
// 1/sqrt(head_dim); MiniMax-01 normalizes the output afterwards (outside this op). Decay is per
// KV head (the state is shared by a GQA group).
#include "core/variant.hpp"
#include "kernels/attention/common/linear_spec.hpp"

namespace moat::variants::attention_lightning {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.lightning";
  v.family = "attention/linear";
  v.summary = "Lightning attention: unnormalized linear attention with per-head decay, intra-block + inter-block";
  v.reference = "Qin et al. 2024, Lightning Attention-2 / TransNormerLLM; MiniMax 2025, MiniMax-01";
  v.params = attention::shape_schema();
  for (auto& p : attention::linear::mode_schema()) v.params.push_back(p);
  v.validate = attention::linear::validate_causal;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    return attention::linear::linear_cost({s, dt, s.head_dim, 0.5 * s.head_dim, 0, 1, false,
                                           attention::linear::is_chunked(p), int(p.i("chunk"))});
  };
  v.test_shapes = attention::linear::test_shapes();
  return v;
}

}  // namespace moat::variants::attention_lightning
