// moe.shared_experts — routed top-k experts plus always-on shared experts (DeepSeekMoE's shared
// expert isolation; Qwen2-MoE's gated shared expert):
//   y = sum_{e in S} w_e FFN_e(x) + sum_j g_j FFN_shared_j(x),
//   g_j = 1 (DeepSeek) or sigmoid(x w_g_j) (shared_gate, Qwen2-MoE); SwiGLU experts.
// A shared expert of width m * ffn equals m shared experts of width ffn (SwiGLU splits over its
// intermediate columns), so `shared_experts` counts ffn-wide units.
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_shared_experts {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.shared_experts";
  v.family = "moe/routed";
  v.summary = "softmax top-k routed SwiGLU experts + always-on shared experts (weight 1 or sigmoid gate)";
  v.reference = "Dai et al. 2024 (DeepSeekMoE); Qwen2-MoE (shared_expert_gate)";
  v.params = moe::shape_schema();
  v.params.push_back(bool_param("renormalize", "renormalize the top-k weights to sum to 1", true));
  for (auto& p : moe::shared_schema(2)) v.params.push_back(p);
  for (auto& p : moe::routing_schema()) v.params.push_back(p);
  v.validate = moe::validate_shape;
  v.cost = [](const Params& p, DType dt) { return moe::layer_cost(moe::layer_config(p), dt, true); };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}, {"top_k", 1}},
      {{"tokens", 37}, {"hidden", 24}, {"ffn", 40}, {"experts", 8}, {"top_k", 2},
       {"shared_gate", true}},
      {{"tokens", 21}, {"hidden", 16}, {"ffn", 20}, {"experts", 4}, {"top_k", 4},
       {"shared_experts", 1}},
      {{"tokens", 9}, {"hidden", 16}, {"ffn", 20}, {"experts", 4}, {"top_k", 2},
       {"shared_experts", 0}},
  };
  return v;
}

}  // namespace moat::variants::moe_shared_experts
