#include "model/models/attention_work.hpp"

#include <algorithm>

namespace moat::model {

double attended_tokens(const AttentionBlock& a, double position) {
  if (a.kind == AttentionKind::linear) return 0;
  return a.sliding_window > 0 ? std::min(position, double(a.sliding_window)) : position;
}

double attention_flops_per_query(const AttentionBlock& a, double keys, AttentionMode mode) {
  const double h = a.heads;
  switch (a.kind) {
    case AttentionKind::gqa: return 2 * h * a.head_dim * keys * 2;
    case AttentionKind::mla:
      if (mode == AttentionMode::decode)
        return 2 * h * (a.kv_lora_rank + a.qk_rope_head_dim) * keys + 2 * h * a.kv_lora_rank * keys;
      return 2 * h * (a.qk_nope_head_dim + a.qk_rope_head_dim) * keys + 2 * h * a.v_head_dim * keys;
    case AttentionKind::linear: return 4 * h * double(a.head_dim) * a.head_dim;
  }
  return 0;
}

double attention_exps_per_query(const AttentionBlock& a, double keys) {
  return a.kind == AttentionKind::linear ? 0 : double(a.heads) * keys;
}

double causal_keys_sum(const AttentionBlock& a, double length) {
  if (a.kind == AttentionKind::linear) return 0;
  const double full = length * (length + 1) / 2;  // query t sees t keys
  if (a.sliding_window <= 0 || length <= a.sliding_window) return full;
  const double w = a.sliding_window;
  return w * (w + 1) / 2 + (length - w) * w;
}

double kv_elements_per_token(const AttentionBlock& a) {
  switch (a.kind) {
    case AttentionKind::gqa: return 2.0 * a.kv_heads * a.head_dim;
    case AttentionKind::mla: return double(a.kv_lora_rank) + a.qk_rope_head_dim;
    case AttentionKind::linear: return 0;
  }
  return 0;
}

double state_elements_per_sequence(const AttentionBlock& a) {
  return a.kind == AttentionKind::linear ? double(a.heads) * a.head_dim * a.head_dim : 0;
}

}  // namespace moat::model
