// attention.chunked_local — Llama-4 chunked attention (iRoPE local layers): the sequence is cut
// into chunks of `chunk` tokens; a token attends causally within its own chunk only:
//   visible(i, j) = (i / chunk == j / chunk) and j <= i      (seq_q = seq_kv)
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_chunked_local {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.chunked_local";
  v.family = "attention/local";
  v.summary = "chunked local attention: causal within fixed-size chunks (Llama 4, chunk 8192)";
  v.reference = "Meta 2025, Llama 4 (attention_chunk_size = 8192); Hua et al. 2022 (FLASH local)";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("chunk", "tokens per chunk", 8192, 1, 1 << 22));
  v.validate = [](const Params& p) {
    attention::validate_shape(p);
    if (p.i("seq_q") != p.i("seq_kv")) throw Error("chunked attention needs seq_q == seq_kv");
  };
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    const int c = int(p.i("chunk"));
    return attention::flash_cost(s, dt, [=](int i) { return std::pair<int, int>(i / c * c, i + 1); });
  };
  for (auto& sh : attention::edge_shapes({{"chunk", 24}})) {
    sh["seq_kv"] = sh["seq_q"];
    v.test_shapes.push_back(sh);
  }
  v.test_shapes.push_back({{"seq_q", 300}, {"seq_kv", 300}, {"chunk", 128}});
  return v;
}

}  // namespace moat::variants::attention_chunked_local
