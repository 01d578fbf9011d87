// attention.mla_prefill — DeepSeek-V2/V3 multi-head latent attention, non-absorbed (prefill)
// form. Each token j carries a compressed KV latent c_j (kv_lora_rank) and a decoupled RoPE key
// k^R_j (rope_dim, shared by all heads). Per head h the latent is up-projected (decompressed):
//   K^C_{h,j} = c_j W_UK_h      (kv_lora_rank -> qk_nope_dim)
//   V_{h,j}   = c_j W_UV_h      (kv_lora_rank -> v_head_dim)
//   key_{h,j} = [K^C_{h,j} ; k^R_j],   q_{h,i} = [q^C_{h,i} ; q^R_{h,i}]  (given)
//   O_{h,i}   = sum_j softmax_j(scale * q_{h,i} . key_{h,j}) V_{h,j},
//   scale = 1/sqrt(qk_nope_dim + rope_dim); causal, bottom-right aligned (the seq_q queries are
//   the last seq_q of the seq_kv tokens: chunked prefill; seq_q = seq_kv is a whole prompt).
// Kernel: one GEMM c [B*S_kv, r] x [W_UK | W_UV] [r, heads*(nope+v)] (DeepSeek's kv_b_proj,
// through moe::DenseGemm), one pass assembling K = [K^C | k^R] and V in the flash layout, then
// the flash skeleton (MHA, head_dim nope+rope, value_dim v). The absorbed form of the same math
// (decode) is attention.mla; test.cpp checks the two agree.
// DeepSeek-V3 config (deepseek-ai/DeepSeek-V3 config.json; DeepSeek-V3 technical report §2.1.1):
//   num_attention_heads 128, q_lora_rank 1536, kv_lora_rank 512, qk_nope_head_dim 128,
//   qk_rope_head_dim 64, v_head_dim 128 (DeepSeek-V2: same, 128 heads; V2-Lite: 16 heads).
//   q_lora_rank only shapes the query projection, which lies outside this kernel (q is given).
#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/flash_cost.hpp"
#include "kernels/attention/mla_prefill/shape.hpp"
#include "kernels/moe/common/shape.hpp"  // kRowTile of the GEMM's tiling

namespace moat::variants::attention_mla_prefill {

MlaPrefillShape mla_prefill_shape(const Params& p) {
  MlaPrefillShape m;
  m.batch = int(p.i("batch"));
  m.heads = int(p.i("heads_q"));
  m.seq_q = int(p.i("seq_q"));
  m.seq_kv = int(p.i("seq_kv"));
  m.kv_lora = int(p.i("kv_lora_rank"));
  m.rope = int(p.i("rope_dim"));
  m.nope = int(p.i("qk_nope_dim"));
  m.v = int(p.i("v_head_dim"));
  m.causal = p.b("causal");
  return m;
}

attention::AttentionShape attention_shape(const MlaPrefillShape& m) {
  attention::AttentionShape s;
  s.batch = m.batch;
  s.heads_q = m.heads;
  s.heads_kv = m.heads;
  s.seq_q = m.seq_q;
  s.seq_kv = m.seq_kv;
  s.head_dim = m.key_dim();
  s.value_dim = m.v;
  s.scale = float(1.0 / std::sqrt(double(m.key_dim())));
  return s;
}

namespace {

// Up-projection c w_ukv through the grouped GEMM's tiling: every kRowTile-row tile streams the
// weights (from cache after the first pass).
Cost up_projection_cost(const MlaPrefillShape& m, DType dt) {
  const double b = bytes_of(dt);
  const double rows = double(m.batch) * m.seq_kv, k = m.kv_lora, n = m.kv_width();
  Cost c;
  c.flops_matrix = 2.0 * rows * k * n;
  c.bytes_dram = (rows * k + k * n + rows * n) * b;  // latent in, weights in, kv out
  c.bytes_onchip = std::max(0.0, std::ceil(rows / moe::kRowTile) - 1.0) * k * n * b;
  c.launches = 1;
  return c;
}

// Assembly of the flash layout: read kv and k_rope, write K = [K^C | k^R] and V per head.
Cost assemble_cost(const MlaPrefillShape& m, DType dt) {
  const double b = bytes_of(dt);
  const double rows = double(m.batch) * m.seq_kv;
  Cost c;
  c.bytes_dram = rows * (double(m.kv_width()) + double(m.heads) * m.rope) * b +  // reads
                 rows * m.heads * double(m.key_dim() + m.v) * b;                // writes
  c.launches = 1;
  return c;
}

Cost cost(const Params& p, DType dt) {
  const MlaPrefillShape m = mla_prefill_shape(p);
  const auto s = attention_shape(m);
  // flash_cost charges K and V reads (compulsory + re-staged per query tile) and Q/O.
  return up_projection_cost(m, dt) + assemble_cost(m, dt) +
         attention::flash_cost(s, dt, m.causal ? attention::causal_range(s)
                                               : attention::full_range(s));
}

}  // namespace

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.mla_prefill";
  v.family = "attention/dense-softmax";
  v.summary =
      "multi-head latent attention (prefill, non-absorbed): K_nope = c W_UK, V = c W_UV per head "
      "(one GEMM), key = [K_nope ; k_rope], causal softmax attention, scale 1/sqrt(nope+rope)";
  v.reference = "DeepSeek-AI 2024, DeepSeek-V2 (arXiv:2405.04434) / DeepSeek-V3 (arXiv:2412.19437) "
                "technical reports (MLA)";
  v.params = {
      int_param("batch", "sequences in the batch", 1, 1, 4096),
      int_param("heads_q", "attention heads (DeepSeek-V3: 128)", 128, 1, 1024),
      int_param("seq_q", "query tokens per sequence, the last seq_q of seq_kv (prompt chunk)", 1024, 1, 1 << 20),
      int_param("seq_kv", "tokens per sequence (cached + this chunk)", 1024, 1, 1 << 22),
      int_param("kv_lora_rank", "latent dimension (DeepSeek-V3: 512)", 512, 1, 4096),
      int_param("rope_dim", "decoupled RoPE key dimension, shared by heads (DeepSeek-V3: 64)", 64, 0, 1024),
      int_param("qk_nope_dim", "per-head no-RoPE query/key dimension (DeepSeek-V3: 128)", 128, 1, 4096),
      int_param("v_head_dim", "per-head value dimension (DeepSeek-V3: 128)", 128, 1, 4096),
      bool_param("causal", "mask keys after the query position (bottom-right aligned)", true),
  };
  v.validate = [](const Params& p) {
    if (p.i("seq_q") > p.i("seq_kv"))
      throw Error("seq_q (" + std::to_string(p.i("seq_q")) + ") are the last tokens of the sequence: at most seq_kv (" +
                  std::to_string(p.i("seq_kv")) + ")");
  };
  v.cost = cost;
  v.test_shapes = {
      {{"heads_q", 4}, {"seq_q", 1}, {"seq_kv", 77}, {"kv_lora_rank", 32}, {"rope_dim", 8},
       {"qk_nope_dim", 16}, {"v_head_dim", 16}},  // one query token (decode step, unabsorbed)
      {{"heads_q", 3}, {"seq_q", 45}, {"seq_kv", 45}, {"kv_lora_rank", 40}, {"rope_dim", 16},
       {"qk_nope_dim", 24}, {"v_head_dim", 8}},   // whole prompt, ragged tiles, v != nope
      {{"heads_q", 2}, {"seq_q", 33}, {"seq_kv", 130}, {"kv_lora_rank", 64}, {"rope_dim", 8},
       {"qk_nope_dim", 16}, {"v_head_dim", 24}},  // chunked prefill over a cache
      {{"batch", 2}, {"heads_q", 2}, {"seq_q", 40}, {"seq_kv", 70}, {"kv_lora_rank", 24},
       {"rope_dim", 0}, {"qk_nope_dim", 32}, {"v_head_dim", 16}, {"causal", false}},
      {{"heads_q", 2}, {"seq_q", 70}, {"seq_kv", 70}},  // DeepSeek-V3 head dims, 2 heads
  };
  return v;
}

}  // namespace moat::variants::attention_mla_prefill
