// moe.pyramid_residual — one layer of PR-MoE (Rajbhandari et al. 2022, DeepSpeed-MoE,
// arXiv:2201.05596): Residual-MoE = a dense MLP on every token plus one routed expert as a
// correction, mixed by a learned 2-way coefficient (deepspeed/moe/layer.py, use_residual):
//   p = softmax(x W_r); e = argmax p;  c = softmax(x W_c) (2 values)
//   y = c_0 * p_e FFN_e(x) + c_1 * MLP(x)             (SwiGLU expert and MLP, same width)
// "Pyramid" = more experts in deeper layers: a per-layer `experts` value in the scenario.
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_pyramid_residual {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.pyramid_residual";
  v.family = "moe/routed";
  v.summary = "dense MLP + top-1 residual expert, mixed by a softmax coefficient c: c0 p_e E_e(x) + c1 MLP(x)";
  v.reference = "Rajbhandari et al. 2022 (DeepSpeed-MoE PR-MoE), arXiv:2201.05596";
  v.params = moe::shape_schema();
  v.params[4].default_value = std::int64_t(1);
  v.validate = [](const Params& p) {
    moe::validate_shape(p);
    if (p.i("top_k") != 1) throw Error("PR-MoE routes one residual expert per token: top_k must be 1");
  };
  v.cost = [](const Params& p, DType dt) {
    moe::LayerConfig cfg = moe::layer_config(p);
    cfg.router_extra = 2;
    cfg.policy_slots = 2;
    cfg.policy_experts = 1;
    return moe::layer_cost(cfg, dt, true);
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 1}},
      {{"tokens", 45}, {"hidden", 24}, {"ffn", 40}, {"experts", 8}},
      {{"tokens", 31}, {"hidden", 16}, {"ffn", 20}, {"experts", 32}},
  };
  return v;
}

}  // namespace moat::variants::moe_pyramid_residual
