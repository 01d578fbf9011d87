// moe.similarity_routing — Similarity-Aware (S)MoE (Nguyen, Tran, Nguyen, Baraniuk 2025,
// "Improving Routing in Sparse Mixture of Experts with Graph of Tokens", arXiv:2505.00792):
// a token's expert choice also depends on similar tokens. Implemented formula (the plan this
// project adopted; the paper's exact similarity kernel was not confirmed, so read this one):
//   P   = softmax(x W_r)                                  per token, [tokens][experts]
//   S_ij = softmax_j( cos(x_i, x_j) / temperature )       over the tokens of the batch
//   P~  = S P;   top-k of P~_i;  w_ie = P~_ie / sum_{top-k} P~_i (renormalize) or P~_ie
//   y_i = sum_e w_ie W2_e (silu(x_i W1_e) * (x_i W3_e))   (SwiGLU experts)
// Simplifications: the batch is one sequence, every token sees every token (no causal mask);
// the similarity uses the router input itself (no learned similarity projection).
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"
#include "kernels/moe/common/token_mixing_cost.hpp"

namespace moat::variants::moe_similarity_routing {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.similarity_routing";
  v.family = "moe/routed";
  v.summary = "top-k of S softmax(x W_r), S = softmax over tokens of cos(x_i, x_j) / temperature";
  v.reference = "Nguyen et al. 2025 (Similarity-Aware SMoE), arXiv:2505.00792";
  v.params = moe::shape_schema();
  v.params.push_back(real_param("temperature", "tau of the token-similarity softmax", 0.1, 1e-3, 1e3));
  v.params.push_back(bool_param("renormalize", "renormalize the top-k mixed weights to sum to 1", true));
  v.validate = moe::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    const auto cfg = moe::layer_config(p);
    return moe::layer_cost(cfg, dt, true) + moe::token_mixing_cost(cfg.shape, 0, dt);
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}, {"top_k", 1}},
      {{"tokens", 37}, {"hidden", 40}, {"ffn", 70}, {"experts", 8}, {"top_k", 2}},
      {{"tokens", 50}, {"hidden", 32}, {"ffn", 48}, {"experts", 4}, {"top_k", 4}},  // k = E
      {{"tokens", 29}, {"hidden", 24}, {"ffn", 33}, {"experts", 16}, {"top_k", 3},
       {"renormalize", false}, {"temperature", 1.0}},
      {{"tokens", 21}, {"hidden", 16}, {"ffn", 20}, {"experts", 1}, {"top_k", 1}},  // one expert
  };
  return v;
}

}  // namespace moat::variants::moe_similarity_routing
