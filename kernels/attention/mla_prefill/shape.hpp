#pragma once
// Shape of attention.mla_prefill (Kokkos-free; defined in spec.cpp). Layout (LayoutRight):
//   q       [batch][heads][seq_q][qk_nope_dim + rope_dim]      ([q_nope | q_rope], given)
//   c       [batch * seq_kv][kv_lora_rank]                     compressed KV latent
//   k_rope  [batch * seq_kv][rope_dim]                         decoupled RoPE key, shared by heads
//   w_ukv   [1][kv_lora_rank][heads * (qk_nope_dim + v_head_dim)]  DeepSeek's kv_b_proj:
//           per head h the columns [h*(nope+v), h*(nope+v)+nope) are W_UK_h, the next v W_UV_h
//   kv      [batch * seq_kv][heads * (qk_nope_dim + v_head_dim)]    c w_ukv (one GEMM)
//   K       [batch][heads][seq_kv][qk_nope_dim + rope_dim]     [K_nope_h | k_rope] (flash layout)
//   V       [batch][heads][seq_kv][v_head_dim]
//   O       [batch][heads][seq_q][v_head_dim]
#include "core/params.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::variants::attention_mla_prefill {

struct MlaPrefillShape {
  int batch = 1, heads = 1, seq_q = 1, seq_kv = 1;
  int kv_lora = 512, rope = 64, nope = 128, v = 128;
  bool causal = true;
  int kv_width() const { return heads * (nope + v); }  // columns of the up-projection
  int key_dim() const { return nope + rope; }
};

MlaPrefillShape mla_prefill_shape(const Params& p);
// The flash skeleton's view: MHA over the decompressed heads, head_dim = nope + rope,
// value_dim = v, scale = 1/sqrt(nope + rope).
attention::AttentionShape attention_shape(const MlaPrefillShape& m);

}  // namespace moat::variants::attention_mla_prefill
