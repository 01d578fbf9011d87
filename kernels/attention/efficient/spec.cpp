// attention.efficient — Efficient Attention (Shen et al.), non-causal, softmax normalization:
//   E(Q, K, V) = rho_q(Q) (rho_k(K)^T V),
//   rho_q: softmax over each query's features (rows of Q),
//   rho_k: softmax over the keys for each feature (columns of K), as in the paper's Eq. 3.
// The state rho_k(K)^T V (head_dim x value_dim) is built per feature as an online-softmax state:
// chunked (chunk partials merged with merge_states) or recurrent (one key at a time).
#include "core/variant.hpp"
#include "kernels/attention/common/linear_spec.hpp"

namespace moat::variants::attention_efficient {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.efficient";
  v.family = "attention/linear";
  v.summary = "efficient attention: softmax(Q, features) (softmax(K, keys)^T V), non-causal, state d_k x d_v";
  v.reference = "Shen et al. 2021, Efficient Attention: Attention with Linear Complexities";
  v.params = attention::shape_schema();
  for (auto& p : attention::linear::mode_schema()) v.params.push_back(p);
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    return attention::linear::softmax_state_cost(s, dt, s.head_dim, 0, attention::linear::is_chunked(p),
                                                 int(p.i("chunk")));
  };
  v.test_shapes = attention::linear::test_shapes();
  v.test_shapes.push_back({{"seq_q", 90}, {"seq_kv", 20}, {"heads_q", 4}, {"heads_kv", 2},
                           {"head_dim", 16}, {"mode", std::string("recurrent")}});  // seq_q > seq_kv
  return v;
}

}  // namespace moat::variants::attention_efficient
