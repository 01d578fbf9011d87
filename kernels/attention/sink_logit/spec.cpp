// attention.sink_logit — gpt-oss attention sinks: a learned logit per head that joins every
// row's softmax denominator but carries no value ("attend to nothing"):
//   O_i = sum_j e^{s_ij} v_j / (e^{sink_h} + sum_j e^{s_ij}),  j over visible keys.
// The skeleton starts each row's online-softmax state at (m, l) = (sink_h, 1).
// Causal by default; sink values are deterministic (fixed-seed normal, as a trained model's are
// fixed).
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_sink_logit {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.sink_logit";
  v.family = "attention/dense-softmax";
  v.summary = "softmax with a learned per-head sink logit in the denominator (no value)";
  v.reference = "OpenAI 2025, gpt-oss model card (attention sinks); Xiao et al. 2024";
  v.params = attention::shape_schema();
  v.params.push_back(bool_param("causal", "mask keys after the query position", true));
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    auto c = attention::flash_cost(
        s, dt, p.b("causal") ? attention::causal_range(s) : attention::full_range(s));
    c.special_ops += double(s.rows());  // the sink's exp per row
    return c;
  };
  v.test_shapes = attention::edge_shapes({{"causal", true}});
  v.test_shapes.push_back({{"seq_q", 64}, {"seq_kv", 16}, {"heads_q", 2}, {"heads_kv", 1},
                           {"causal", true}, {"head_dim", 8}});  // rows seeing only the sink
  return v;
}

}  // namespace moat::variants::attention_sink_logit
