#include "model/models/parameters.hpp"

namespace moat::model {

BlockParams attention_params(const AttentionBlock& a, int hidden) {
  const double h = hidden;
  BlockParams p;
  switch (a.kind) {
    case AttentionKind::gqa: {
      const double q = double(a.heads) * a.head_dim;
      const double kv = double(a.kv_heads) * a.head_dim;
      // q and o projections belong to the attention experts; k/v are shared by all of them.
      const double q_o_all = h * q + q * h + (a.qkv_bias ? q : 0);
      const double shared = 2 * h * kv + (a.qkv_bias ? 2 * kv : 0);
      const double norms = a.qk_norm == "per_head" ? 2.0 * a.head_dim
                           : a.qk_norm == "full"   ? q + kv
                                                   : 0;
      const double per_expert = q_o_all / a.experts_top_k;  // one expert owns heads/top_k heads
      const double router = a.experts > 1 ? h * a.experts : 0;
      const double fixed = shared + norms + router + (a.o_bias ? h : 0) + (a.sinks ? a.heads : 0);
      p.total = fixed + per_expert * a.experts;
      p.active = fixed + per_expert * a.experts_top_k;
      return p;
    }
    case AttentionKind::mla: {
      const double heads = a.heads;
      const double qk_head = a.qk_nope_head_dim + a.qk_rope_head_dim;
      const double q = a.q_lora_rank > 0
                           ? h * a.q_lora_rank + a.q_lora_rank + a.q_lora_rank * heads * qk_head
                           : h * heads * qk_head;
      const double kv_down = h * (a.kv_lora_rank + a.qk_rope_head_dim) + a.kv_lora_rank;
      const double kv_up = double(a.kv_lora_rank) * heads * (a.qk_nope_head_dim + a.v_head_dim);
      const double o = heads * a.v_head_dim * h;
      p.total = p.active = q + kv_down + kv_up + o;
      return p;
    }
    case AttentionKind::linear: {
      const double inner = double(a.heads) * a.head_dim;
      // fused q/k/v projection, optional output gate, norm over the heads, output projection
      p.total = p.active = h * 3 * inner + (a.output_gate ? h * inner : 0) + inner + inner * h;
      return p;
    }
  }
  return p;
}

double expert_params(const FfnBlock& f, int hidden, int intermediate) {
  const double h = hidden, i = intermediate;
  const double matrices = f.gated ? 3 : 2;
  const double biases = f.bias ? (matrices - 1) * i + h : 0;
  return matrices * h * i + biases;
}

BlockParams ffn_params(const FfnBlock& f, int hidden) {
  BlockParams p;
  const double shared_bias = f.output_bias ? hidden : 0;
  if (!f.moe) {
    p.total = p.active = expert_params(f, hidden, f.intermediate) + shared_bias;
    return p;
  }
  const double routed = expert_params(f, hidden, f.intermediate);
  const double shared = f.shared_experts * expert_params(f, hidden, f.shared_intermediate);
  const double router = double(hidden) * f.experts + (f.router_bias ? f.experts : 0);
  p.total = routed * f.experts + shared + router + shared_bias;
  p.active = routed * f.top_k + shared + router + shared_bias;
  return p;
}

double ParameterCount::active(ActiveCounting counting) const {
  switch (counting) {
    case ActiveCounting::all: return embedding + unembedding + non_embedding_active();
    case ActiveCounting::no_input_embedding: return unembedding + non_embedding_active();
    case ActiveCounting::no_embeddings: return non_embedding_active();
  }
  return 0;
}

ParameterCount count_parameters(const ModelPreset& m) {
  ParameterCount c;
  const double table = double(m.vocab_size) * m.hidden;
  c.embedding = table;
  c.unembedding = m.tie_embeddings ? 0 : table;
  c.norms = m.hidden;  // final norm
  for (const auto& g : m.layers) {
    BlockParams a = attention_params(m.attention_of(g), m.hidden);
    BlockParams f = ffn_params(m.ffn_of(g), m.hidden);
    c.attention_total += g.count * a.total;
    c.attention_active += g.count * a.active;
    c.ffn_total += g.count * f.total;
    c.ffn_active += g.count * f.active;
    c.norms += g.count * 2.0 * m.hidden;  // pre-attention and pre-FFN RMSNorm
  }
  return c;
}

}  // namespace moat::model
