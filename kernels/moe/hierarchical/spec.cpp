// moe.hierarchical — two-level (hierarchical) routing, Shazeer et al. 2017 appendix B:
// a primary gate picks groups, a secondary gate picks experts inside each chosen group:
//   P_g = softmax(x W_g) over groups; G = top-group_top_k(P_g), p^_g = P_g / sum_G P
//   per chosen g: P_{e|g} = softmax over the group's expert logits (x W_r restricted to g);
//   S_g = top-(top_k / group_top_k) in g, p^_{e|g} = P_{e|g} / sum_{S_g} P_{e|g}
//   y = sum_{g in G} sum_{e in S_g} p^_g p^_{e|g} FFN_e(x)    (SwiGLU experts)
// Router logits are one GEMM: x [W_r | W_g] (experts + groups columns).
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_hierarchical {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.hierarchical";
  v.family = "moe/routed";
  v.summary = "route to top groups (softmax), then top experts within each group; weight = p_group * p_expert|group";
  v.reference = "Shazeer et al. 2017 (arXiv:1701.06538) appendix B, hierarchical MoE";
  v.params = moe::shape_schema();
  v.params.push_back(int_param("groups", "expert groups", 4, 1, 64));
  v.params.push_back(int_param("group_top_k", "groups chosen per token", 1, 1, 64));
  v.validate = [](const Params& p) {
    moe::validate_shape(p);
    const auto e = p.i("experts"), g = p.i("groups"), gk = p.i("group_top_k"), k = p.i("top_k");
    if (e % g != 0) throw Error("experts must be a multiple of groups");
    if (gk > g) throw Error("group_top_k exceeds groups");
    if (k % gk != 0 || k / gk > e / g)
      throw Error("top_k must be group_top_k x (experts per chosen group), at most the group size");
  };
  v.cost = [](const Params& p, DType dt) {
    auto cfg = moe::layer_config(p);
    cfg.router_extra = int(p.i("groups"));
    return moe::layer_cost(cfg, dt, true);
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}, {"top_k", 1}, {"groups", 2}},
      {{"tokens", 45}, {"hidden", 24}, {"ffn", 40}, {"experts", 16}, {"top_k", 4}, {"groups", 4},
       {"group_top_k", 2}},
      {{"tokens", 19}, {"hidden", 16}, {"ffn", 20}, {"experts", 6}, {"top_k", 6}, {"groups", 3},
       {"group_top_k", 3}},  // k = E
  };
  return v;
}

}  // namespace moat::variants::moe_hierarchical
