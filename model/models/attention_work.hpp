#pragma once
// Per-token work of the attention core (scores and weighted values, outside the projections) and
// the K/V cache it keeps. FLOPs count a multiply-add as 2.
//  - gqa: a query attends to n = min(position, window) keys: QK^T and PV cost 2*heads*head_dim*n
//    each; the cache holds K and V: 2*kv_heads*head_dim elements per token.
//  - mla: the cache holds the latent (kv_lora_rank) and the shared RoPE key (qk_rope_head_dim)
//    per token. Prefill runs the plain form (per-head dims qk_nope+qk_rope and v); decode runs the
//    absorbed form, attending directly over the latent: 2*heads*(kv_lora+rope)*n for scores and
//    2*heads*kv_lora*n for values (DeepSeek-V2 paper, section 2.1.3).
//  - linear: no cache; a heads x head_dim x head_dim state per sequence. Each token updates the
//    state (k^T v) and reads it (q S): 4*heads*head_dim^2 FLOPs, independent of context.
#include "model/models/model_preset.hpp"

namespace moat::model {

enum class AttentionMode { prefill, decode };

double attended_tokens(const AttentionBlock& a, double position);  // keys one query sees
double attention_flops_per_query(const AttentionBlock& a, double keys, AttentionMode mode);
// Exp evaluations (softmax) for one query over `keys` keys.
double attention_exps_per_query(const AttentionBlock& a, double keys);
// Sum over a causal prompt of `length` tokens of the keys each query sees (window-aware).
double causal_keys_sum(const AttentionBlock& a, double length);

// K/V cache elements one token adds to one layer (0 for linear attention).
double kv_elements_per_token(const AttentionBlock& a);
// Fixed per-sequence state elements of one layer (linear attention), independent of context.
double state_elements_per_sequence(const AttentionBlock& a);

}  // namespace moat::model
