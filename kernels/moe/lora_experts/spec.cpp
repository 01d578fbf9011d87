// moe.lora_experts — MixLoRA (Li et al. 2024, "MixLoRA: Enhancing Large Language Models
// Fine-Tuning with LoRA-based Mixture of Experts", arXiv:2404.15159): one frozen dense SwiGLU FFN
// (W1 gate, W3 up, W2 down) shared by all experts; expert e adds rank-r LoRA deltas to all three:
//   Wi_e = Wi + (alpha / r) A_i,e B_i,e        A [in][r], B [r][out], i in {1, 2, 3}
//   p = softmax(x W_r);  S = top-k(p);  w_e = p_e / sum_S p      (Mixtral's router)
//   y = sum_{e in S} w_e ((silu(x W1_e) * (x W3_e)) W2_e)
// Kernel order (never materializes Wi_e): x W1 and x W3 once per token (shared frozen weights),
// gathered to the token's k rows, plus the per-expert rank-r terms (x A) B as grouped GEMMs; the
// down projection h W2 runs per row (h differs per expert) plus (h A2) B2. B is stored pre-scaled
// by alpha / r. Simplifications: random (trained-looking) A and B, where LoRA initializes B = 0;
// MixLoRA's attention-layer LoRA adapters and its load-balance loss are not part of the layer.
#include <algorithm>

#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_lora_experts {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.lora_experts";
  v.family = "moe/routed";
  v.summary = "shared frozen SwiGLU FFN + per-expert rank-r LoRA deltas on W1/W2/W3, softmax top-k";
  v.reference = "Li et al. 2024 (MixLoRA), arXiv:2404.15159";
  v.params = moe::shape_schema();
  v.params.push_back(int_param("rank", "LoRA rank r", 8, 1, 4096));
  v.params.push_back(real_param("lora_alpha", "LoRA alpha (deltas scaled by alpha / r)", 16.0, 0.0, 1e6));
  v.validate = moe::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    const moe::MoeShape s = moe::shape_from(p);
    const double t = s.tokens, d = s.hidden, f = s.ffn, r = double(p.i("rank"));
    const double rows = t * s.top_k, b = bytes_of(dt);
    Cost c = moe::router_cost(s, dt) + moe::dispatch_combine_cost(s, dt);
    Cost e;
    e.flops_matrix = 2.0 * t * d * f * 2.0 +          // shared x W1, x W3
                     2.0 * rows * (2.0 * d * r + 2.0 * r * f) +  // (x A1) B1, (x A3) B3
                     2.0 * rows * f * d +               // h W2 per row
                     2.0 * rows * (f * r + r * d);      // (h A2) B2
    e.flops_vector = rows * f * 5.0;  // gather-add of the base, SwiGLU
    e.special_ops = rows * f;
    const double touched = std::min<double>(s.experts, rows);
    e.bytes_dram = 3.0 * d * f * b +                                // frozen FFN
                   touched * r * (2.0 * (d + f) + f + d) * b +      // LoRA factors touched
                   (2.0 * t * f + rows * (2.0 * f + d) * 2.0 + rows * 3.0 * r) * 4.0;
    e.launches = 11;
    return c + e;
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}, {"top_k", 1}, {"rank", 4}},
      {{"tokens", 37}, {"hidden", 40}, {"ffn", 70}, {"experts", 8}, {"top_k", 2}, {"rank", 8}},
      {{"tokens", 50}, {"hidden", 32}, {"ffn", 48}, {"experts", 4}, {"top_k", 4}, {"rank", 1}},
      {{"tokens", 45}, {"hidden", 24}, {"ffn", 33}, {"experts", 1}, {"top_k", 1}, {"rank", 5},
       {"lora_alpha", 3.0}},  // all tokens to one expert
      {{"tokens", 13}, {"hidden", 16}, {"ffn", 20}, {"experts", 6}, {"top_k", 3}, {"rank", 20}},
  };
  return v;
}

}  // namespace moat::variants::moe_lora_experts
