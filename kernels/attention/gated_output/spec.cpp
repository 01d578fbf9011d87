// attention.gated_output — gated attention (Qiu et al. 2025; Qwen3-Next): the attention output
// is multiplied by a sigmoid gate computed from the layer input (here given as gate logits G):
//   O[b,h,i,d] = sigmoid(G[b,h,i,d]) * softmax-attention(q, k, v)[b,h,i,d]
// gate = "elementwise" (one gate per output element, the paper's best, G1 position) or
// "headwise" (one scalar per head and token). The gate projection itself is a GEMM outside
// this kernel; the kernel reads G and applies the gate in its epilogue.
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_gated_output {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.gated_output";
  v.family = "attention/dense-softmax";
  v.summary = "softmax attention with a sigmoid output gate per head (elementwise or headwise)";
  v.reference = "Qiu et al. 2025, Gated Attention for LLMs; Qwen3-Next";
  v.params = attention::shape_schema();
  v.params.push_back(text_param("gate", "gate granularity", {"elementwise", "headwise"},
                                std::string("elementwise")));
  v.params.push_back(bool_param("causal", "mask keys after the query position", true));
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    auto c = attention::flash_cost(
        s, dt, p.b("causal") ? attention::causal_range(s) : attention::full_range(s));
    const double gates = p.s("gate") == "headwise" ? double(s.rows()) : double(s.o_elems());
    c.bytes_dram += gates * bytes_of(dt);
    c.special_ops += gates;
    c.flops_vector += double(s.o_elems());
    return c;
  };
  v.test_shapes = attention::edge_shapes();
  for (auto& sh : attention::edge_shapes({{"gate", std::string("headwise")}, {"causal", false}}))
    v.test_shapes.push_back(sh);
  return v;
}

}  // namespace moat::variants::attention_gated_output
