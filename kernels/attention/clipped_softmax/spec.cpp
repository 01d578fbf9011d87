// attention.clipped_softmax — Bondarenko, Nagel & Blankevoort 2023, "Quantizable Transformers:
// Removing Outliers by Helping Attention Heads Do Nothing" (arXiv:2306.12929):
//   p_ij = softmax_j(scale * q_i . k_j  over visible j)
//   w_ij = clip((zeta - gamma) * p_ij + gamma, 0, 1)        zeta >= 1 (stretch), gamma <= 0
//   O_i  = sum_j w_ij v_j                                   (no renormalization after clipping)
// Weights can be exactly 0 (a head can "do nothing") or exactly 1. Because the clip acts on the
// normalized probability, the kernel needs the row's final (max, sum) before any weight: it runs
// two passes over the keys (pass 1: online max and sum; pass 2: recompute scores, clip, PV), so
// Q K^T is computed twice — the cost function charges both passes.
// Defaults: zeta = 1, gamma = -0.03 (inside the range the paper sweeps; it writes gamma = -alpha/T
// with T the sequence length — pass gamma directly here).
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/normalizer_spec.hpp"

namespace moat::variants::attention_clipped_softmax {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.clipped_softmax";
  v.family = "attention/normalizer";
  v.summary = "clip((zeta - gamma) * softmax(logits) + gamma, 0, 1) weights (two passes over keys)";
  v.reference = "Bondarenko et al. 2023, Quantizable Transformers (clipped softmax)";
  v.params = attention::normalizer_schema();
  v.params.push_back(real_param("zeta", "stretch: upper end of the stretched range (>= 1)", 1.0, 1.0, 100.0));
  v.params.push_back(real_param("gamma", "lower end of the stretched range (<= 0)", -0.03, -100.0, 0.0));
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    // pass 1: max, subtract, add; pass 2: subtract, * 1/l, * stretch, + gamma, 2 clamps; 2 exps
    return attention::normalizer_cost(attention::shape_from(p), dt, p.b("causal"),
                                      {.vector_per_score = 9, .special_per_score = 2,
                                       .running_max = true, .two_pass = true});
  };
  v.test_shapes = attention::normalizer_test_shapes();
  // gamma = 0, zeta = 1 is plain softmax; a large stretch makes weights hit 1
  v.test_shapes.push_back({{"seq_q", 40}, {"seq_kv", 90}, {"zeta", 1.0}, {"gamma", 0.0}});
  v.test_shapes.push_back({{"seq_q", 33}, {"seq_kv", 70}, {"zeta", 8.0}, {"gamma", -0.1},
                           {"causal", false}});
  return v;
}

}  // namespace moat::variants::attention_clipped_softmax
