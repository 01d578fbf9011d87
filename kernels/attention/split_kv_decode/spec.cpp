// attention.split_kv_decode — flash-decoding: a decode step (few query tokens) over a long KV
// cache, with the cache of every KV head cut into n_splits tile-aligned chunks that run in
// parallel. Chunk c of head (b, hk) leaves, for every query row of the head's group,
//   m_c = max_j s_j,  l_c = sum_j e^(s_j - m_c),  o_c = sum_j e^(s_j - m_c) v_j   (j in chunk c)
// and a second launch merges them:  m = max_c m_c,  O = sum_c e^(m_c - m) o_c / sum_c e^(m_c - m)
// l_c. s_j = scale q . k_j; causal (seq_q > 1) hides keys after the query's position
// (bottom-right).
#include "core/variant.hpp"
#include "kernels/attention/common/decode_cost.hpp"
#include "kernels/attention/common/decode_spec.hpp"

namespace moat::variants::attention_split_kv_decode {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.split_kv_decode";
  v.family = "attention/decode";
  v.summary =
      "flash-decoding: KV cache split into n_splits chunks attended in parallel, partial softmax "
      "states merged";
  v.reference = "Dao, Haziza, Massa, Sizov 2023, Flash-Decoding for long-context inference";
  v.params = attention::decode_schema();
  v.dtypes = {DType::fp32, DType::bf16, DType::fp16};  // K/V, Q and O stored so; fp32 math
  v.params.push_back(int_param("n_splits", "KV chunks per head processed in parallel", 8, 1, 4096));
  v.params.push_back(bool_param("causal", "multi-token steps: hide keys after each query", true));
  v.validate = [](const Params& p) { attention::validate_decode(p, false); };
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    return attention::decode_cost(
        s, dt, attention::split_kv_schedule(s.batch, s.heads_kv, s.seq_kv, int(p.i("n_splits"))));
  };
  for (int splits : {1, 3, 8})
    for (auto& sh : attention::decode_test_shapes(false, {{"n_splits", splits}}))
      v.test_shapes.push_back(sh);
  return v;
}

}  // namespace moat::variants::attention_split_kv_decode
