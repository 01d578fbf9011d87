// moe.geglu — softmax top-k router with GeGLU experts (Shazeer 2020, "GLU Variants Improve
// Transformer"): y = sum_{e in S} w_e W2_e (gelu(x W1_e) * (x W3_e)), gelu in erf form.
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_geglu {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.geglu";
  v.family = "moe/routed";
  v.summary = "softmax top-k router, GeGLU expert FFN gelu(x W1) * (x W3) W2, weighted combine";
  v.reference = "Shazeer 2020 (GLU variants); Gemma-style GeGLU experts";
  v.params = moe::shape_schema();
  v.params.push_back(bool_param("renormalize", "renormalize the top-k weights to sum to 1", true));
  for (auto& p : moe::routing_schema()) v.params.push_back(p);
  v.validate = moe::validate_shape;
  v.cost = [](const Params& p, DType dt) { return moe::layer_cost(moe::layer_config(p), dt, true); };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}, {"top_k", 1}},
      {{"tokens", 45}, {"hidden", 40}, {"ffn", 70}, {"experts", 8}, {"top_k", 2}},
      {{"tokens", 19}, {"hidden", 24}, {"ffn", 33}, {"experts", 3}, {"top_k", 3}},
  };
  return v;
}

}  // namespace moat::variants::moe_geglu
