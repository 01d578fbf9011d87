// moe.sigmoid_bias_grouped — DeepSeek-V3 routing (DeepSeek-AI 2024, arXiv:2412.19437, sec. 2.1.2;
// HF modeling_deepseek_v3 MoEGate, topk_method "noaux_tc"):
//   s_e = sigmoid(x W_r)_e;  b_e = s_e + bias_e           (bias: selection only)
//   group score_g = sum of the 2 largest b_e in group g   (experts split into n_group groups)
//   keep the topk_group best groups; S = top-k of b_e over experts in kept groups;
//   w_e = routed_scaling_factor * s_e / sum_{S} s;  y = sum_S w_e FFN_e(x) + shared experts.
// bias_e is drawn uniform in [-0.1, 0.1] (seeded; trained by load balancing in the model).
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_sigmoid_bias_grouped {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.sigmoid_bias_grouped";
  v.family = "moe/routed";
  v.summary = "sigmoid scores + selection-only bias, group-limited top-k, normalized x scale, shared experts";
  v.reference = "DeepSeek-V3 (arXiv:2412.19437) MoEGate noaux_tc";
  v.params = moe::shape_schema();
  v.params.push_back(int_param("n_group", "expert groups (nodes)", 4, 1, 64));
  v.params.push_back(int_param("topk_group", "groups a token may use", 2, 1, 64));
  v.params.push_back(real_param("routed_scaling_factor", "scale of the routed weights", 2.5, 0.0));
  for (auto& p : moe::shared_schema(1)) v.params.push_back(p);
  v.validate = [](const Params& p) {
    moe::validate_shape(p);
    const auto e = p.i("experts"), g = p.i("n_group"), tg = p.i("topk_group");
    if (e % g != 0) throw Error("experts must be a multiple of n_group");
    if (tg > g) throw Error("topk_group exceeds n_group");
    if (p.i("top_k") > tg * (e / g)) throw Error("top_k exceeds the experts of topk_group groups");
  };
  v.cost = [](const Params& p, DType dt) {
    Cost c = moe::layer_cost(moe::layer_config(p), dt, true);
    c.flops_vector += double(p.i("tokens")) * p.i("experts") * (2.0 + p.i("topk_group"));
    return c;
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 8}, {"top_k", 1}},
      {{"tokens", 41}, {"hidden", 24}, {"ffn", 40}, {"experts", 16}, {"top_k", 4},
       {"n_group", 4}, {"topk_group", 2}},
      {{"tokens", 20}, {"hidden", 16}, {"ffn", 20}, {"experts", 8}, {"top_k", 8},
       {"n_group", 2}, {"topk_group", 2}, {"shared_experts", 0}},  // k = E
      {{"tokens", 17}, {"hidden", 16}, {"ffn", 20}, {"experts", 8}, {"top_k", 2},
       {"n_group", 8}, {"topk_group", 3}, {"shared_gate", true}},  // groups of one expert
  };
  return v;
}

}  // namespace moat::variants::moe_sigmoid_bias_grouped
