// attention.mla — DeepSeek-V2/V3 multi-head latent attention, absorbed form (decode and
// chunked prefill): W_UK is folded into the queries and W_UV into the output projection, so all
// heads attend over one shared latent KV stream:
//   key_j   = [c_j ; k^R_j]          c_j: kv_lora_rank latent, k^R_j: rope_dim decoupled RoPE key
//   value_j = c_j                    (the latent itself: the kernel reads it once for K and V)
//   q_{h,i} = [W_UK^T q^C_{h,i} ; q^R_{h,i}]  (absorbed, given as input)
//   O_{h,i} = sum_j softmax_j(scale * q_{h,i} . key_j) c_j,  scale = 1/sqrt(qk_nope_dim + rope_dim)
// One KV head shared by all query heads (MQA over the latent). Causal, bottom-right aligned.
#include <cmath>

#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_mla {

attention::AttentionShape mla_shape(const Params& p);

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.mla";
  v.family = "attention/dense-softmax";
  v.summary =
      "multi-head latent attention (absorbed): heads share one latent KV of rank kv_lora_rank plus "
      "a RoPE key; V = latent";
  v.reference = "DeepSeek-AI 2024, DeepSeek-V2 / DeepSeek-V3 technical reports (MLA); FlashMLA";
  v.params = {
      int_param("batch", "sequences in the batch", 1, 1, 4096),
      int_param("heads_q", "query heads (DeepSeek-V3: 128)", 128, 1, 1024),
      int_param("seq_q", "query tokens per sequence (1: decode)", 1, 1, 1 << 20),
      int_param("seq_kv", "cached tokens per sequence", 1024, 1, 1 << 22),
      int_param("kv_lora_rank", "latent dimension (DeepSeek-V3: 512)", 512, 1, 4096),
      int_param("rope_dim", "decoupled RoPE key dimension (DeepSeek-V3: 64)", 64, 0, 1024),
      int_param("qk_nope_dim",
                "per-head no-RoPE query/key dimension before absorption, sets the scale "
                "(DeepSeek-V3: 128)",
                128, 1, 4096),
      bool_param("causal", "mask keys after the query position (bottom-right aligned)", true),
  };
  v.dtypes = {DType::fp32, DType::bf16, DType::fp16};  // Q/K/V/O stored so; fp32 math
  v.validate = [](const Params&) {};
  v.cost = [](const Params& p, DType dt) {
    auto s = mla_shape(p);
    auto c = attention::flash_cost(
        s, dt, p.b("causal") ? attention::causal_range(s) : attention::full_range(s));
    // flash_cost charges K and V separately; here V is the latent already read as K.
    c.bytes_dram -= double(s.batch) * s.seq_kv * s.value_dim * bytes_of(dt);
    return c;
  };
  v.test_shapes = {
      {{"heads_q", 4},
       {"seq_q", 1},
       {"seq_kv", 77},
       {"kv_lora_rank", 32},
       {"rope_dim", 8},
       {"qk_nope_dim", 16}},
      {{"heads_q", 3},
       {"seq_q", 5},
       {"seq_kv", 130},
       {"kv_lora_rank", 64},
       {"rope_dim", 16},
       {"qk_nope_dim", 16}},
      {{"batch", 2},
       {"heads_q", 2},
       {"seq_q", 40},
       {"seq_kv", 40},
       {"kv_lora_rank", 72},
       {"rope_dim", 0},
       {"qk_nope_dim", 32},
       {"causal", false}},
      {{"heads_q", 16}, {"seq_q", 2}, {"seq_kv", 200}},  // DeepSeek-V3 dims, 16 heads
  };
  return v;
}

attention::AttentionShape mla_shape(const Params& p) {
  attention::AttentionShape s;
  s.batch = int(p.i("batch"));
  s.heads_q = int(p.i("heads_q"));
  s.heads_kv = 1;
  s.seq_q = int(p.i("seq_q"));
  s.seq_kv = int(p.i("seq_kv"));
  s.value_dim = int(p.i("kv_lora_rank"));
  s.head_dim = s.value_dim + int(p.i("rope_dim"));
  s.scale = float(1.0 / std::sqrt(double(p.i("qk_nope_dim") + p.i("rope_dim"))));
  return s;
}

}  // namespace moat::variants::attention_mla
