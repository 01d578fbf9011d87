// moe.soft_moe — Soft MoE (Puigcerver, Riquelme, Mustafa, Houlsby 2023, "From Sparse to Soft
// Mixtures of Experts", arXiv:2308.00951). No discrete routing: every expert processes `slots`
// slots, each slot a convex combination of all tokens, and every token reads a convex
// combination of all slot outputs:
//   L = X Phi                      X [m][d], Phi [d][n p]  (slot s belongs to expert s / p)
//   D = softmax over tokens of L   (per column: dispatch weights of slot s)
//   C = softmax over slots of L    (per row: combine weights of token t)
//   X~ = D^T X  [n p][d];  Y~_s = MLP_{s / p}(X~_s);  Y = C Y~
// Experts: two-matrix GELU MLPs (the paper's ViT experts). Simplification: the paper's
// l2-normalization of X and Phi (with a learned scale, for large d) is not applied.
// Kernel: X~ and Y are dense GEMMs (DenseGemm), the experts one grouped GEMM over equal
// p-row segments; the slot count, not the token count, sets the expert work.
#include "core/variant.hpp"
#include "kernels/moe/common/shape.hpp"

namespace moat::variants::moe_soft_moe {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.soft_moe";
  v.family = "moe/soft";
  v.summary = "slots = softmax-over-tokens mixtures of tokens, GELU experts on slots, "
              "tokens = softmax-over-slots mixtures of slot outputs";
  v.reference = "Puigcerver et al. 2023 (Soft MoE), arXiv:2308.00951";
  v.params = moe::shape_schema();
  v.params.erase(v.params.begin() + 4);  // no top_k: every expert sees every token softly
  v.params.push_back(int_param("slots", "slots per expert (p)", 1, 1, 4096));
  v.cost = [](const Params& p, DType dt) {
    const moe::MoeShape s = moe::shape_from(p);
    const double m = s.tokens, d = s.hidden, n_slots = double(s.experts) * p.i("slots");
    const double b = bytes_of(dt);
    Cost c;
    c.flops_matrix = 2.0 * m * d * n_slots * 3.0;  // logits, X~ = D^T X, Y = C Y~
    c.flops_vector = 2.0 * 4.0 * m * n_slots;      // two softmaxes
    c.special_ops = 2.0 * m * n_slots;
    c.bytes_dram = (2.0 * m * d + d * n_slots) * b +  // X read twice, Phi
                   3.0 * m * n_slots * 4.0 +          // logits written, D and C written
                   2.0 * m * n_slots * 4.0 +          // D and C read by their GEMMs
                   m * d * b;                         // Y written
    c.launches = 5;
    moe::PipelineCostInput ffn{s, dt, /*gated=*/false, double(s.experts)};
    ffn.shape.tokens = int(n_slots);
    ffn.shape.top_k = 1;
    c += moe::expert_ffn_cost(ffn);
    return c;
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}},
      {{"tokens", 37}, {"hidden", 40}, {"ffn", 70}, {"experts", 8}, {"slots", 2}},
      {{"tokens", 50}, {"hidden", 32}, {"ffn", 48}, {"experts", 1}, {"slots", 5}},
      {{"tokens", 9}, {"hidden", 24}, {"ffn", 33}, {"experts", 6}, {"slots", 3}},  // slots > tokens
      {{"tokens", 70}, {"hidden", 16}, {"ffn", 20}, {"experts", 3}, {"slots", 40}},  // 40-row segments
  };
  return v;
}

}  // namespace moat::variants::moe_soft_moe
