// moe.topk_softmax — the Mixtral/Qwen3-style routed MoE layer.
//   p = softmax(x W_r);  S = top-k(p);  w_e = p_e / sum_{S} p  (renormalize) or p_e;
//   y = sum_{e in S} w_e * W2_e (silu(x W1_e) * (x W3_e)).
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"
#include "kernels/moe/common/shape.hpp"

namespace moat::variants::moe_topk_softmax {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.topk_softmax";
  v.family = "moe/routed";
  v.summary = "softmax router, top-k experts, SwiGLU expert FFN, weighted combine";
  v.reference = "Shazeer et al. 2017; Mixtral (Jiang et al. 2024); Qwen3-MoE config";
  v.params = moe::shape_schema();
  v.params.push_back(bool_param("renormalize", "renormalize the top-k weights to sum to 1", true));
  for (auto& p : moe::routing_schema()) v.params.push_back(p);
  v.validate = moe::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    return moe::layer_cost(moe::layer_config(p), dt, /*gated=*/true);
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}, {"top_k", 1}},
      {{"tokens", 37}, {"hidden", 40}, {"ffn", 70}, {"experts", 8}, {"top_k", 2}},
      {{"tokens", 50}, {"hidden", 32}, {"ffn", 48}, {"experts", 4}, {"top_k", 4}},  // k = E
      {{"tokens", 65}, {"hidden", 24}, {"ffn", 33}, {"experts", 16}, {"top_k", 3},
       {"renormalize", false}},
      {{"tokens", 40}, {"hidden", 16}, {"ffn", 20}, {"experts", 8}, {"top_k", 2},
       {"routing", "zipf"}, {"zipf_s", 1.2}},
      {{"tokens", 33}, {"hidden", 16}, {"ffn", 20}, {"experts", 8}, {"top_k", 2},
       {"routing", "trace"}},
      {{"tokens", 20}, {"hidden", 16}, {"ffn", 20}, {"experts", 6}, {"top_k", 3},
       {"routing", "uniform"}},
  };
  return v;
}

}  // namespace moat::variants::moe_topk_softmax
