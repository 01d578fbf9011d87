// attention.dense — softmax attention with MHA/GQA/MQA head sharing and an optional causal mask.
//   O[b,h,i,:] = sum_j softmax_j(scale * q_i . k_j  over visible j) v_j,  kv head = h / group.
//   causal: key j visible to query i iff j <= i + (seq_kv - seq_q)  (bottom-right aligned, so a
//   decode step with seq_q = 1 sees the whole cache).
#include "core/variant.hpp"
#include "kernels/attention/common/flash_cost.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::variants::attention_dense {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.dense";
  v.family = "attention/dense-softmax";
  v.summary =
      "softmax attention, MHA/GQA/MQA by heads_kv, optional causal mask (tiled online softmax)";
  v.reference = "Vaswani et al. 2017; GQA: Ainslie et al. 2023; FlashAttention: Dao et al. 2022";
  v.params = attention::shape_schema();
  v.params.push_back(bool_param("causal", "mask keys after the query position", false));
  v.dtypes = {DType::fp32, DType::bf16, DType::fp16};  // Q/K/V/O stored so; fp32 math
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    return attention::flash_cost(
        s, dt, p.b("causal") ? attention::causal_range(s) : attention::full_range(s));
  };
  v.test_shapes = {
      {{"seq_q", 1}, {"seq_kv", 1}, {"heads_q", 1}, {"heads_kv", 1}, {"head_dim", 8}},
      {{"seq_q", 1}, {"seq_kv", 77}, {"heads_q", 4}, {"heads_kv", 1}, {"causal", true}},
      {{"seq_q", 45},
       {"seq_kv", 45},
       {"heads_q", 6},
       {"heads_kv", 2},
       {"causal", true},
       {"head_dim", 24}},
      {{"seq_q", 70},
       {"seq_kv", 130},
       {"heads_q", 4},
       {"heads_kv", 4},
       {"head_dim", 16},
       {"value_dim", 8}},
      {{"batch", 2},
       {"seq_q", 33},
       {"seq_kv", 65},
       {"heads_q", 8},
       {"heads_kv", 8},
       {"causal", true},
       {"head_dim", 32}},
      {{"seq_q", 64},
       {"seq_kv", 16},
       {"heads_q", 2},
       {"heads_kv", 1},
       {"causal", true},
       {"head_dim", 8}},  // seq_q > seq_kv: the first rows see no key at all
  };
  return v;
}

}  // namespace moat::variants::attention_dense
