// attention.document — packed sequences: documents of doc_len tokens laid end to end in one
// sequence; a token attends only within its own document (block-diagonal mask), optionally
// causally.  visible(i, j) = (i / doc_len == j / doc_len) and (!causal or j <= i); seq_q = seq_kv.
// The last document may be shorter (seq not a multiple of doc_len).
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_document {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.document";
  v.family = "attention/dense-softmax";
  v.summary = "packed documents: block-diagonal mask over equal-length documents, optional causal";
  v.reference = "Krell et al. 2021 (packing); FlexAttention document masking (PyTorch 2.5)";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("doc_len", "tokens per packed document", 64, 1, 1 << 22));
  v.params.push_back(bool_param("causal", "causal within each document", false));
  v.validate = [](const Params& p) {
    attention::validate_shape(p);
    if (p.i("seq_q") != p.i("seq_kv")) throw Error("document masking needs seq_q == seq_kv");
  };
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    const int len = int(p.i("doc_len"));
    const bool causal = p.b("causal");
    const int n = s.seq_kv;
    return attention::flash_cost(s, dt, [=](int i) {
      const int d0 = i / len * len;
      return std::pair<int, int>(d0, causal ? i + 1 : std::min(n, d0 + len));
    });
  };
  for (bool causal : {false, true})
    for (auto& sh : attention::edge_shapes({{"causal", causal}, {"doc_len", 19}})) {
      sh["seq_kv"] = sh["seq_q"];
      v.test_shapes.push_back(sh);
    }
  v.test_shapes.push_back({{"seq_q", 256}, {"seq_kv", 256}, {"doc_len", 64}, {"heads_q", 2},
                           {"heads_kv", 1}});
  return v;
}

}  // namespace moat::variants::attention_document
