// attention.lean_decode — Lean Attention (stream-K decode): the batch * heads_kv * ceil(seq_kv/64)
// (KV head, key tile) iterations are laid end to end and cut into `workers` equal ranges (+-1
// tile), one per persistent worker (GPU: one per SM), whatever the heads' lengths. A range that
// crosses a head boundary produces one partial softmax state per head it touches; the partials
// of each head are merged with the online-softmax merge (same math as split-KV decode):
//   O = sum_p e^(m_p - m) o_p / sum_p e^(m_p - m) l_p,  m = max_p m_p.
// Lean Attention reduces in the worker that finishes a head ("host block"); here a second launch
// merges every head (same arithmetic, one extra launch; the cost counts it).
#include "core/variant.hpp"
#include "kernels/attention/common/decode_cost.hpp"
#include "kernels/attention/common/decode_spec.hpp"

namespace moat::variants::attention_lean_decode {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.lean_decode";
  v.family = "attention/decode";
  v.summary =
      "stream-K decode: equal shares of (head, KV tile) iterations per worker, partial softmax "
      "states merged per head";
  v.reference =
      "Sanovar et al. 2024, Lean Attention: Hardware-Aware Scalable Attention Mechanism for the "
      "Decode-Phase of Transformers";
  v.params = attention::decode_schema();
  v.dtypes = {DType::fp32, DType::bf16, DType::fp16};  // K/V, Q and O stored so; fp32 math
  v.params.push_back(int_param(
      "workers", "persistent workers sharing the iterations (H100 SXM: 132 SMs)", 132, 1, 1 << 16));
  v.params.push_back(bool_param("causal", "multi-token steps: hide keys after each query", true));
  v.validate = [](const Params& p) { attention::validate_decode(p, false); };
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    return attention::decode_cost(
        s, dt, attention::lean_schedule(s.batch, s.heads_kv, s.seq_kv, int(p.i("workers"))));
  };
  for (int workers : {1, 5, 132})
    for (auto& sh : attention::decode_test_shapes(false, {{"workers", workers}}))
      v.test_shapes.push_back(sh);
  return v;
}

}  // namespace moat::variants::attention_lean_decode
