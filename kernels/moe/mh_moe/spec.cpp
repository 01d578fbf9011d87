// moe.mh_moe — Multi-Head MoE (Wu, Huang, Wang, Wei 2024, "Multi-Head Mixture-of-Experts",
// arXiv:2404.15045): each token is split into h sub-tokens that are routed independently.
//   x' = x W_head                              W_head [d][d] (multi-head layer)
//   x'_t = [u_t,1 | ... | u_t,h]               h sub-tokens of width d / h
//   v_t,j = sum_{e in top-k(softmax(u_t,j W_r))} w_e SwiGLU_e(u_t,j)   (renormalized top-k;
//           experts of width d / h -> ffn -> d / h)
//   y_t = [v_t,1 | ... | v_t,h] W_merge        W_merge [d][d] (merge layer)
// Kernel: the projections are dense GEMMs; the sub-tokens are the same memory as x' viewed as
// [tokens h][d / h], so the routed pipeline runs on tokens * h rows unchanged.
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_mh_moe {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.mh_moe";
  v.family = "moe/routed";
  v.summary = "x W_head split into h sub-tokens, each routed top-k to SwiGLU experts, merged, x W_merge";
  v.reference = "Wu et al. 2024 (Multi-Head Mixture-of-Experts), arXiv:2404.15045";
  v.params = moe::shape_schema();
  v.params.push_back(int_param("heads", "sub-tokens per token (h); hidden % heads == 0", 4, 1, 4096));
  v.validate = [](const Params& p) {
    moe::validate_shape(p);
    if (p.i("hidden") % p.i("heads") != 0)
      throw Error("hidden (" + std::to_string(p.i("hidden")) + ") is not a multiple of heads (" +
                  std::to_string(p.i("heads")) + ")");
  };
  v.cost = [](const Params& p, DType dt) {
    moe::LayerConfig cfg;
    cfg.shape = moe::shape_from(p);
    const int h = int(p.i("heads"));
    const double t = cfg.shape.tokens, d = cfg.shape.hidden, b = bytes_of(dt);
    cfg.shape.tokens *= h;
    cfg.shape.hidden /= h;
    Cost c = moe::layer_cost(cfg, dt, true);
    Cost proj;
    proj.flops_matrix = 2.0 * 2.0 * t * d * d;
    proj.bytes_dram = 2.0 * (d * d + 2.0 * t * d) * b;  // W_head, W_merge; rows in and out
    proj.launches = 2;
    return c + proj;
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}, {"top_k", 1}, {"heads", 4}},
      {{"tokens", 37}, {"hidden", 40}, {"ffn", 70}, {"experts", 8}, {"top_k", 2}, {"heads", 5}},
      {{"tokens", 21}, {"hidden", 32}, {"ffn", 48}, {"experts", 4}, {"top_k", 4}, {"heads", 2}},
      {{"tokens", 13}, {"hidden", 24}, {"ffn", 33}, {"experts", 16}, {"top_k", 3}, {"heads", 1}},
      {{"tokens", 9}, {"hidden", 24}, {"ffn", 20}, {"experts", 1}, {"top_k", 1}, {"heads", 24}},
  };
  return v;
}

}  // namespace moat::variants::moe_mh_moe
