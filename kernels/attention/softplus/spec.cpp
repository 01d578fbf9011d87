// attention.softplus — softplus in place of exp (the "positivity + l1 normalization" view of
// softmax in Gao & Spratling 2025, "Softplus Attention with Re-weighting Boosts Length
// Extrapolation in Large Language Models", arXiv:2501.13428):
//   w_ij = softplus(scale * q_i . k_j) = log(1 + e^x)
//   normalize = "row_sum" (default):  O_i = sum_j w_ij v_j / sum_j w_ij   (l1-normalized)
//   normalize = "none":                O_i = sum_j w_ij v_j
// Simplification: the paper's entropy-invariant length scale factor and its re-weighting
// (sharpening) stage are not implemented — only the softplus + l1 step. softplus needs no
// running max (it never overflows), so the kernel keeps only a running sum.
#include "core/variant.hpp"
#include "kernels/attention/common/normalizer_spec.hpp"

namespace moat::variants::attention_softplus {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.softplus";
  v.family = "attention/normalizer";
  v.summary = "softplus(logit) weights, optionally divided by their row sum (l1 normalization)";
  v.reference = "Gao & Spratling 2025, Softplus Attention with Re-weighting (softplus + l1 step only)";
  v.params = attention::normalizer_schema();
  v.params.push_back(text_param("normalize", "divide by the row sum of weights or not",
                                {"row_sum", "none"}, "row_sum"));
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    // per score: |x|, negate, 1 + e, max(x, 0), add (+1 running sum); exp and log
    const double sum = p.s("normalize") == "row_sum" ? 1 : 0;
    return attention::normalizer_cost(attention::shape_from(p), dt, p.b("causal"),
                                      {.vector_per_score = 5 + sum, .special_per_score = 2});
  };
  v.test_shapes = attention::normalizer_test_shapes();
  for (auto& sh : attention::edge_shapes({{"normalize", std::string("none")}}))
    v.test_shapes.push_back(sh);
  return v;
}

}  // namespace moat::variants::attention_softplus
