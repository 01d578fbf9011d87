#pragma once
// A transformer model's architecture, as published in its configuration, read from
// model/presets/<id>.toml (format in docs/model.md). Layers come in groups that share an attention
// block and an FFN block; their order does not matter to the model's counts and times.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/sourced.hpp"

namespace moat::model {

enum class AttentionKind {
  gqa,     // softmax attention with grouped K/V heads (MHA: kv_heads = heads; MQA: kv_heads = 1)
  mla,     // multi-head latent attention (DeepSeek-V2/V3): K/V compressed to a shared latent
  linear,  // linear ("lightning") attention: a per-head d x d state instead of a K/V cache
};
std::string to_string(AttentionKind k);

struct AttentionBlock {
  std::string name;
  AttentionKind kind = AttentionKind::gqa;
  int heads = 0;     // query heads (all attention experts together for a mixture of heads)
  int kv_heads = 0;  // gqa
  int head_dim = 0;  // gqa, linear
  bool qkv_bias = false;
  bool o_bias = false;           // one output bias of width hidden
  std::string qk_norm = "none";  // none | per_head (RMSNorm over head_dim) | full (over all heads)
  bool sinks = false;            // one learned sink logit per head (gpt-oss)
  int sliding_window = 0;        // tokens attended (0: all previous tokens)
  int experts = 1;               // mixture of attention heads (JetMoE): q/o projections per expert
  int experts_top_k = 1;
  // MLA
  int q_lora_rank = 0;  // 0: plain query projection
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;
  // linear attention
  bool output_gate = false;
};

struct FfnBlock {
  std::string name;
  bool moe = false;
  int intermediate = 0;  // dense: width; MoE: width of one routed expert
  bool gated = true;     // gate and up projections (SwiGLU): 3 matrices, else 2
  bool bias = false;     // biases on every projection (per expert for MoE)
  bool output_bias = false;  // one shared output bias of width hidden (JetMoE)
  int experts = 0;
  int top_k = 0;
  int shared_experts = 0;
  int shared_intermediate = 0;  // width of one shared expert
  bool router_bias = false;
};

struct LayerGroup {
  int count = 0;
  std::string attention;  // key into ModelPreset::attention
  std::string ffn;        // key into ModelPreset::ffn
};

// Which parameters a publisher counts as "active": vendors differ (docs/model.md).
enum class ActiveCounting { all, no_input_embedding, no_embeddings };

struct PublishedCounts {
  std::optional<Sourced> total_params;
  std::optional<Sourced> active_params;
  ActiveCounting active_counting = ActiveCounting::all;
  std::optional<Sourced> non_embedding_params;
};

struct ModelPreset {
  std::string id;
  std::string name;
  std::string config_source;  // where the architecture numbers come from
  std::int64_t vocab_size = 0;
  int hidden = 0;
  bool tie_embeddings = false;
  std::string native_weights = "bf16";  // format the weights are released in
  std::map<std::string, AttentionBlock> attention;
  std::map<std::string, FfnBlock> ffn;
  std::vector<LayerGroup> layers;
  PublishedCounts published;

  int layer_count() const;
  bool is_moe() const;
  const AttentionBlock& attention_of(const LayerGroup& g) const { return attention.at(g.attention); }
  const FfnBlock& ffn_of(const LayerGroup& g) const { return ffn.at(g.ffn); }
};

ModelPreset load_model_preset(const std::string& path);

}  // namespace moat::model
