// attention.sigmoid — sigmoid attention (Ramapuram et al. 2024, "Theory, Analysis, and Best
// Practices for Sigmoid Self-Attention", arXiv:2409.04431):
//   O_i = sum_{j visible} sigmoid(scale * q_i . k_j + b) v_j,   b = -log(n),  n = seq_kv
// No row normalization: weights are independent per key, so the kernel needs neither a running
// max nor a running sum. The paper's b = -log(n) (n = sequence length) keeps the initial
// attention norm close to softmax's; we take n = seq_kv (keys in the context). Simplification:
// FlashSigmoid's fused kernel details and the paper's LayerScale/QK-norm recipe are not modelled.
#include "core/variant.hpp"
#include "kernels/attention/common/normalizer_spec.hpp"

namespace moat::variants::attention_sigmoid {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.sigmoid";
  v.family = "attention/normalizer";
  v.summary = "sum_j sigmoid(logit_ij - log n) v_j: elementwise sigmoid weights, no normalization";
  v.reference = "Ramapuram et al. 2024, Theory, Analysis, and Best Practices for Sigmoid Self-Attention";
  v.params = attention::normalizer_schema();
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    // per score: add bias, negate, 1 + e, reciprocal; one exp
    return attention::normalizer_cost(attention::shape_from(p), dt, p.b("causal"),
                                      {.vector_per_score = 4, .special_per_score = 1});
  };
  v.test_shapes = attention::normalizer_test_shapes();
  return v;
}

}  // namespace moat::variants::attention_sigmoid
