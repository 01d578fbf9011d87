// attention.sign — signed ("Cog") attention, the SignExp normalization of Lv et al. 2024, "More
// Expressive Attention with Negative Weights" (arXiv:2411.07176). Formula implemented, with
// x_ij = scale * q_i . k_j over visible keys j:
//   w_ij = sign(x_ij) * exp(|x_ij|) / sum_j' exp(|x_ij'|),      O_i = sum_j w_ij v_j
// Weights are negative where the score is, and sum_j |w_ij| = 1. Computed stably with a running
// max of |x| (the exp's argument), exactly like online softmax with key(x) = |x|.
// What is not modelled: the paper's model-level choices (which layers keep softmax, its other
// architectural changes); only this weight formula is benchmarked.
#include "core/variant.hpp"
#include "kernels/attention/common/normalizer_spec.hpp"

namespace moat::variants::attention_sign {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.sign";
  v.family = "attention/normalizer";
  v.summary = "sign(logit) * exp(|logit|) / sum exp(|logit|): signed weights with unit l1 norm";
  v.reference = "Lv et al. 2024, More Expressive Attention with Negative Weights (Cog Attention)";
  v.params = attention::normalizer_schema();
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    // per score: |x|, max, subtract, sign multiply, running-sum add; one exp
    return attention::normalizer_cost(attention::shape_from(p), dt, p.b("causal"),
                                      {.vector_per_score = 5, .special_per_score = 1,
                                       .running_max = true});
  };
  v.test_shapes = attention::normalizer_test_shapes();
  return v;
}

}  // namespace moat::variants::attention_sign
