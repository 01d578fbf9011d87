// moe.expert_choice — Expert Choice routing (Zhou et al. 2022, arXiv:2202.09368): experts pick
// tokens instead of tokens picking experts.
//   S = softmax(x W_r) over experts (per token);  C = min(tokens, ceil(capacity_factor * tokens / E))
//   expert e takes the C tokens with the largest S[:, e] (ties: lower token index);
//   y_t = sum_{e that took t} S[t, e] FFN_e(x_t)    (a token may get 0..E experts; SwiGLU)
// Perfect load balance by construction; tokens no expert took get zero (tokens_unrouted).
#include <algorithm>
#include <cmath>

#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_expert_choice {

int capacity(const Params& p) {
  const double c = std::ceil(p.r("capacity_factor") * double(p.i("tokens")) / p.i("experts") - 1e-9);
  return int(std::min<double>(double(p.i("tokens")), std::max(1.0, c)));
}

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.expert_choice";
  v.family = "moe/routed";
  v.summary = "softmax scores; each expert takes its top-C tokens (C = cf * tokens / experts)";
  v.reference = "Zhou et al. 2022 (Mixture-of-Experts with Expert Choice Routing)";
  v.params = moe::shape_schema();
  v.params.erase(v.params.begin() + 4);  // no top_k: the capacity factor sets tokens per expert
  v.params.push_back(real_param("capacity_factor", "c: tokens per expert = c * tokens / experts",
                                2.0, 0.01, 4096.0));
  v.cost = [](const Params& p, DType dt) {
    moe::LayerConfig cfg;
    cfg.shape = moe::shape_from(p);
    cfg.policy_slots = cfg.shape.experts;
    cfg.capacity = {true, capacity(p), false};
    Cost c = moe::layer_cost(cfg, dt, true);
    c.flops_vector += 33.0 * cfg.shape.tokens * cfg.shape.experts;  // bisection top-C per expert
    return c;
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}},
      {{"tokens", 64}, {"hidden", 24}, {"ffn", 40}, {"experts", 8}},
      {{"tokens", 37}, {"hidden", 16}, {"ffn", 20}, {"experts", 4}, {"capacity_factor", 0.5}},
      {{"tokens", 12}, {"hidden", 16}, {"ffn", 20}, {"experts", 3}, {"capacity_factor", 3.0}},  // C = T
  };
  return v;
}

}  // namespace moat::variants::moe_expert_choice
