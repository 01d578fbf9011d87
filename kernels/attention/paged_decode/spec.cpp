// attention.paged_decode — decode over a paged KV cache (vLLM PagedAttention, FlashInfer page
// tables): the cache is a pool of fixed-size pages [page][heads_kv][page_size][dim] shared by all
// sequences; sequence b's logical page p lives in physical page block_table[b][p] (here a seeded
// shuffle of the pool, as after many allocations and frees). Key j of sequence b is
//   K_pool[block_table[b][j / page_size]][hk][j % page_size].
// Attention is split-KV decode (attention.split_kv_decode) through that indirection.
#include "core/variant.hpp"
#include "kernels/attention/common/decode_cost.hpp"
#include "kernels/attention/common/decode_spec.hpp"

namespace moat::variants::attention_paged_decode {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.paged_decode";
  v.family = "attention/decode";
  v.summary =
      "decode over a paged KV cache: block table maps logical pages to shuffled physical pages of "
      "a shared pool";
  v.reference =
      "Kwon et al. 2023, Efficient Memory Management for LLM Serving with PagedAttention (vLLM); "
      "FlashInfer";
  v.params = attention::decode_schema();
  v.dtypes = {DType::fp32, DType::bf16, DType::fp16};  // K/V, Q and O stored so; fp32 math
  v.params.push_back(int_param("page_size", "tokens per page (vLLM default 16)", 16, 1, 1 << 16));
  v.params.push_back(int_param("n_splits", "KV chunks per head processed in parallel", 1, 1, 4096));
  v.params.push_back(bool_param("causal", "multi-token steps: hide keys after each query", true));
  v.validate = [](const Params& p) { attention::validate_decode(p, false); };
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    Cost c = attention::decode_cost(
        s, dt, attention::split_kv_schedule(s.batch, s.heads_kv, s.seq_kv, int(p.i("n_splits"))));
    const double pages = double(s.batch) * ((s.seq_kv + p.i("page_size") - 1) / p.i("page_size"));
    c.bytes_dram += pages * 4;  // block table entries
    return c;
  };
  for (int page : {1, 16, 7})
    for (auto& sh : attention::decode_test_shapes(
             false, {{"page_size", page}, {"n_splits", page == 7 ? 3 : 1}}))
      v.test_shapes.push_back(sh);
  return v;
}

}  // namespace moat::variants::attention_paged_decode
