// moe.fine_grained — DeepSeekMoE fine-grained expert segmentation (Dai et al. 2024,
// arXiv:2401.06066, sec. 3.1): each of the `experts` experts of width `ffn` is split into
// `segments` = m experts of width ffn/m, and each token activates m*top_k of them:
//   E' = m E, ffn' = ffn / m, k' = m k;  s = softmax(x W_r) over E';  S = top-k'(s);
//   y = sum_{e in S} s_e FFN_e(x)  (renormalize = false, as DeepSeekMoE), SwiGLU experts.
// Same FLOPs as the coarse layer, many more (smaller) expert GEMMs.
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"
#include "kernels/moe/fine_grained/segmented.hpp"

namespace moat::variants::moe_fine_grained {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.fine_grained";
  v.family = "moe/routed";
  v.summary = "DeepSeekMoE segmentation: m x experts of ffn/m, top m*k, softmax weights";
  v.reference = "Dai et al. 2024 (DeepSeekMoE), arXiv:2401.06066";
  v.params = moe::shape_schema();
  v.params.push_back(int_param("segments", "m: experts split into m finer experts", 4, 1, 64));
  v.params.push_back(bool_param("renormalize", "renormalize the top-k weights to sum to 1", false));
  for (auto& p : moe::routing_schema()) v.params.push_back(p);
  v.validate = [](const Params& p) {
    moe::validate_shape(p);
    if (p.i("ffn") % p.i("segments") != 0) throw Error("ffn must be a multiple of segments");
    if (p.i("experts") * p.i("segments") > 4096) throw Error("experts * segments exceeds 4096");
  };
  v.cost = [](const Params& p, DType dt) {
    return moe::layer_cost(segmented_config(p), dt, true);
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 2}, {"top_k", 1}, {"segments", 4}},
      {{"tokens", 45}, {"hidden", 24}, {"ffn", 64}, {"experts", 4}, {"top_k", 2}, {"segments", 8}},
      {{"tokens", 20}, {"hidden", 16}, {"ffn", 30}, {"experts", 2}, {"top_k", 2}, {"segments", 3}},
  };
  return v;
}

}  // namespace moat::variants::moe_fine_grained
