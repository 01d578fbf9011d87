// attention.softcap — Gemma-2 logit soft-capping before softmax:
//   logit(i, j) = cap * tanh(scale * q_i . k_j / cap)    (cap = 50 for Gemma-2 attention)
// Causal by default (decoder).
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_softcap {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.softcap";
  v.family = "attention/dense-softmax";
  v.summary = "softmax over tanh-soft-capped logits: cap * tanh(logit / cap)";
  v.reference = "Gemma Team 2024, Gemma 2 (attn_logit_softcapping = 50)";
  v.params = attention::shape_schema();
  v.params.push_back(real_param("cap", "soft cap on logits", 50.0, 1e-3, 1e6));
  v.params.push_back(bool_param("causal", "mask keys after the query position", true));
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    return attention::flash_cost_with_score_ops(
        s, dt, p.b("causal") ? attention::causal_range(s) : attention::full_range(s), 2, 1);
  };
  for (auto& sh : attention::edge_shapes({{"cap", 2.0}})) v.test_shapes.push_back(sh);
  v.test_shapes.push_back({{"seq_q", 50}, {"seq_kv", 50}, {"cap", 0.5}, {"causal", false}});
  return v;
}

}  // namespace moat::variants::attention_softcap
