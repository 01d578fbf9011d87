// moe.sigma_moe — sigma-MoE (Csordas, Irie, Schmidhuber 2023, "Approximating Two-Layer
// Feedforward Networks for Efficient Transformers"): sigmoid gate, top-k by gate, no
// renormalization, non-gated ReLU experts:
//   s = sigmoid(x W_r);  S = top-k(s);  y = sum_{e in S} s_e W2_e relu(W1_e^T x).
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_sigma_moe {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.sigma_moe";
  v.family = "moe/routed";
  v.summary = "sigmoid router, top-k by sigmoid score (unnormalized weights), ReLU experts";
  v.reference = "Csordas et al. 2023, arXiv:2310.10837";
  v.params = moe::shape_schema();
  for (auto& p : moe::routing_schema()) v.params.push_back(p);
  v.validate = moe::validate_shape;
  v.cost = [](const Params& p, DType dt) { return moe::layer_cost(moe::layer_config(p), dt, false); };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}, {"top_k", 1}},
      {{"tokens", 45}, {"hidden", 40}, {"ffn", 30}, {"experts", 16}, {"top_k", 4}},
      {{"tokens", 19}, {"hidden", 24}, {"ffn", 33}, {"experts", 3}, {"top_k", 3}},
  };
  return v;
}

}  // namespace moat::variants::moe_sigma_moe
