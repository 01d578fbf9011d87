// attention.relu2 — squared-ReLU attention:
//   w_ij = relu(scale * q_i . k_j)^2
//   normalize = "length" (default): O_i = (1 / seq_kv) sum_j w_ij v_j
//   normalize = "row_sum":          O_i = sum_j w_ij v_j / sum_j w_ij   (0 when every w is 0)
//   normalize = "none":             O_i = sum_j w_ij v_j
// Sources: ReLU in place of softmax with division by the sequence length L is Wortsman et al.
// 2023 ("Replacing softmax with ReLU in Vision Transformers"); squaring the ReLU follows the
// squared-ReLU activation of So et al. 2021 (Primer). This combination (ReLU^2 / L) is our
// choice of normalization, stated here, not a recipe copied from one paper; for causal rows we
// still divide by seq_kv (a constant), not by the row's visible count.
#include "core/variant.hpp"
#include "kernels/attention/common/normalizer_spec.hpp"

namespace moat::variants::attention_relu2 {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.relu2";
  v.family = "attention/normalizer";
  v.summary = "relu(logit)^2 weights, divided by seq_kv (default), by their row sum, or not at all";
  v.reference = "Wortsman et al. 2023 (ReLU attention / L); So et al. 2021 (squared ReLU)";
  v.params = attention::normalizer_schema();
  v.params.push_back(text_param("normalize", "length: / seq_kv; row_sum: / sum of weights; none",
                                {"length", "row_sum", "none"}, "length"));
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    // per score: max(x, 0), square (+1 running sum); no special functions
    const double sum = p.s("normalize") == "row_sum" ? 1 : 0;
    return attention::normalizer_cost(attention::shape_from(p), dt, p.b("causal"),
                                      {.vector_per_score = 2 + sum, .special_per_score = 0});
  };
  v.test_shapes = attention::normalizer_test_shapes();
  for (const char* n : {"row_sum", "none"})
    for (auto& sh : attention::edge_shapes({{"normalize", std::string(n)}}))
      v.test_shapes.push_back(sh);
  return v;
}

}  // namespace moat::variants::attention_relu2
