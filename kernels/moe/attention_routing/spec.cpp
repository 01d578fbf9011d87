// moe.attention_routing — Attention-Aware (S)MoE (Nguyen, Tran, Nguyen, Baraniuk 2025,
// arXiv:2505.00792): the token graph is the attention map of the (S)MoE-attention block, so
// tokens that attend to each other route alike. Implemented formula (the plan this project
// adopted; the paper reuses the preceding attention layer's map, which a lone MoE layer does not
// have, so the map here comes from seeded projections of the layer's input):
//   P  = softmax(x W_r);  A_ij = softmax_j( (x_i W_q) . (x_j W_k) / sqrt(d_attn) )
//   P~ = A P;  top-k of P~_i;  w_ie = P~_ie / sum_{top-k} P~_i (renormalize) or P~_ie
//   y_i = sum_e w_ie SwiGLU_e(x_i)
// One head, no causal mask (the batch is one sequence); the cost counts the map's projections
// and scores (a model that reuses its attention map would not pay them).
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"
#include "kernels/moe/common/token_mixing_cost.hpp"

namespace moat::variants::moe_attention_routing {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.attention_routing";
  v.family = "moe/routed";
  v.summary = "top-k of A softmax(x W_r), A = softmax(x W_q (x W_k)^T / sqrt(d)) over tokens";
  v.reference = "Nguyen et al. 2025 (Attention-Aware SMoE), arXiv:2505.00792";
  v.params = moe::shape_schema();
  v.params.push_back(int_param("d_attn", "query / key width of the attention map", 64, 1, 1 << 14));
  v.params.push_back(bool_param("renormalize", "renormalize the top-k mixed weights to sum to 1", true));
  v.validate = moe::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    const auto cfg = moe::layer_config(p);
    return moe::layer_cost(cfg, dt, true) +
           moe::token_mixing_cost(cfg.shape, int(p.i("d_attn")), dt);
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}, {"top_k", 1}, {"d_attn", 8}},
      {{"tokens", 37}, {"hidden", 40}, {"ffn", 70}, {"experts", 8}, {"top_k", 2}, {"d_attn", 16}},
      {{"tokens", 50}, {"hidden", 32}, {"ffn", 48}, {"experts", 4}, {"top_k", 4}, {"d_attn", 5}},
      {{"tokens", 29}, {"hidden", 24}, {"ffn", 33}, {"experts", 16}, {"top_k", 3},
       {"d_attn", 24}, {"renormalize", false}},
      {{"tokens", 21}, {"hidden", 16}, {"ffn", 20}, {"experts", 1}, {"top_k", 1}, {"d_attn", 8}},
  };
  return v;
}

}  // namespace moat::variants::moe_attention_routing
