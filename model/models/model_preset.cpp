#include "model/models/model_preset.hpp"

#include <filesystem>

#include "core/error.hpp"
#include "model/number_format.hpp"
#include "model/toml_strict.hpp"

namespace moat::model {

std::string to_string(AttentionKind k) {
  switch (k) {
    case AttentionKind::gqa: return "gqa";
    case AttentionKind::mla: return "mla";
    case AttentionKind::linear: return "linear";
  }
  return "gqa";
}

int ModelPreset::layer_count() const {
  int n = 0;
  for (const auto& g : layers) n += g.count;
  return n;
}

bool ModelPreset::is_moe() const {
  for (const auto& g : layers)
    if (ffn_of(g).moe) return true;
  return false;
}

namespace {

int positive(const StrictTable& t, std::string_view key) {
  return static_cast<int>(t.integer(key, 1));
}

AttentionBlock read_attention(const std::string& file, const std::string& name, const toml::node& n) {
  if (!n.is_table()) throw Error(where(file, n), "[attention." + name + "] must be a table");
  StrictTable t(file, *n.as_table(), "[attention." + name + "]",
                {"kind", "heads", "kv_heads", "head_dim", "qkv_bias", "o_bias", "qk_norm", "sinks",
                 "sliding_window", "experts", "experts_top_k", "q_lora_rank", "kv_lora_rank",
                 "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim", "output_gate"});
  AttentionBlock a;
  a.name = name;
  const std::string kind = t.text("kind", {"gqa", "mla", "linear"});
  a.kind = kind == "mla" ? AttentionKind::mla : kind == "linear" ? AttentionKind::linear : AttentionKind::gqa;
  a.heads = positive(t, "heads");
  a.qkv_bias = t.boolean_or("qkv_bias", false);
  a.o_bias = t.boolean_or("o_bias", false);
  a.qk_norm = t.text_or("qk_norm", "none", {"none", "per_head", "full"});
  a.sinks = t.boolean_or("sinks", false);
  a.sliding_window = static_cast<int>(t.integer_or("sliding_window", 0, 0));
  a.experts = static_cast<int>(t.integer_or("experts", 1, 1));
  a.experts_top_k = static_cast<int>(t.integer_or("experts_top_k", 1, 1));
  if (a.experts_top_k > a.experts)
    t.fail("experts_top_k", "experts_top_k exceeds experts", "a token picks at most all experts");
  if (a.heads % a.experts_top_k != 0)
    t.fail("heads", "heads must divide evenly among the experts_top_k active attention experts");
  switch (a.kind) {
    case AttentionKind::gqa:
      a.kv_heads = positive(t, "kv_heads");
      a.head_dim = positive(t, "head_dim");
      if (a.heads % a.kv_heads != 0)
        t.fail("kv_heads", "heads must be a multiple of kv_heads", "GQA groups query heads evenly");
      break;
    case AttentionKind::mla:
      a.q_lora_rank = static_cast<int>(t.integer_or("q_lora_rank", 0, 0));
      a.kv_lora_rank = positive(t, "kv_lora_rank");
      a.qk_nope_head_dim = positive(t, "qk_nope_head_dim");
      a.qk_rope_head_dim = positive(t, "qk_rope_head_dim");
      a.v_head_dim = positive(t, "v_head_dim");
      break;
    case AttentionKind::linear:
      a.head_dim = positive(t, "head_dim");
      a.kv_heads = a.heads;
      a.output_gate = t.boolean_or("output_gate", false);
      break;
  }
  return a;
}

FfnBlock read_ffn(const std::string& file, const std::string& name, const toml::node& n) {
  if (!n.is_table()) throw Error(where(file, n), "[ffn." + name + "] must be a table");
  StrictTable t(file, *n.as_table(), "[ffn." + name + "]",
                {"kind", "intermediate", "gated", "bias", "output_bias", "experts", "top_k",
                 "shared_experts", "shared_intermediate", "router_bias"});
  FfnBlock f;
  f.name = name;
  f.moe = t.text("kind", {"dense", "moe"}) == "moe";
  f.intermediate = positive(t, "intermediate");
  f.gated = t.boolean_or("gated", true);
  f.bias = t.boolean_or("bias", false);
  f.output_bias = t.boolean_or("output_bias", false);
  if (f.moe) {
    f.experts = positive(t, "experts");
    f.top_k = positive(t, "top_k");
    if (f.top_k > f.experts) t.fail("top_k", "top_k exceeds experts");
    f.shared_experts = static_cast<int>(t.integer_or("shared_experts", 0, 0));
    f.shared_intermediate = static_cast<int>(t.integer_or("shared_intermediate", f.intermediate, 1));
    f.router_bias = t.boolean_or("router_bias", false);
  } else {
    for (const char* k : {"experts", "top_k", "shared_experts", "shared_intermediate", "router_bias"})
      if (t.has(k)) t.fail(k, "'" + std::string(k) + "' applies to kind = \"moe\" only");
  }
  return f;
}

PublishedCounts read_published(const StrictTable& root) {
  PublishedCounts p;
  if (!root.has("published")) return p;
  StrictTable t = root.table("published", {"total_params", "active_params", "active_counting",
                                           "non_embedding_params"});
  p.total_params = t.optional_sourced("total_params");
  p.active_params = t.optional_sourced("active_params");
  p.non_embedding_params = t.optional_sourced("non_embedding_params");
  const std::string c =
      t.text_or("active_counting", "all", {"all", "no_input_embedding", "no_embeddings"});
  p.active_counting = c == "no_input_embedding" ? ActiveCounting::no_input_embedding
                      : c == "no_embeddings"    ? ActiveCounting::no_embeddings
                                                : ActiveCounting::all;
  return p;
}

}  // namespace

ModelPreset load_model_preset(const std::string& path) {
  toml::table doc = parse_toml_file(path);
  StrictTable root(path, doc, "model preset",
                   {"id", "name", "config_source", "vocab_size", "hidden", "tie_embeddings",
                    "native_weights", "attention", "ffn", "layers", "published"});
  ModelPreset m;
  m.id = root.text_or("id", std::filesystem::path(path).stem().string());
  m.name = root.text_or("name", m.id);
  m.config_source = root.text("config_source");
  m.vocab_size = root.integer("vocab_size", 1);
  m.hidden = static_cast<int>(root.integer("hidden", 1));
  m.tie_embeddings = root.boolean_or("tie_embeddings", false);
  m.native_weights = root.text_or("native_weights", "bf16", number_format_names());
  const toml::table* att = root.optional_table("attention");
  if (!att || att->empty())
    throw Error(root.location(), "model preset has no [attention.<name>] block",
                "add e.g. [attention.full] with kind = \"gqa\"");
  for (auto&& [k, v] : *att) m.attention[std::string(k.str())] = read_attention(path, std::string(k.str()), v);
  const toml::table* ffn = root.optional_table("ffn");
  if (!ffn || ffn->empty())
    throw Error(root.location(), "model preset has no [ffn.<name>] block",
                "add e.g. [ffn.dense] with kind = \"dense\"");
  for (auto&& [k, v] : *ffn) m.ffn[std::string(k.str())] = read_ffn(path, std::string(k.str()), v);
  for (auto&& entry : root.array("layers")) {
    if (!entry.is_table()) throw Error(where(path, entry), "[[layers]] entries must be tables");
    StrictTable t(path, *entry.as_table(), "[[layers]]", {"count", "attention", "ffn"});
    LayerGroup g;
    g.count = static_cast<int>(t.integer("count", 1));
    g.attention = t.text("attention");
    g.ffn = t.text("ffn");
    if (!m.attention.count(g.attention))
      t.fail("attention", "no [attention." + g.attention + "] block in this preset");
    if (!m.ffn.count(g.ffn)) t.fail("ffn", "no [ffn." + g.ffn + "] block in this preset");
    m.layers.push_back(g);
  }
  if (m.layers.empty())
    throw Error(root.location(), "model preset has no [[layers]]", "add [[layers]] with count, attention, ffn");
  m.published = read_published(root);
  return m;
}

}  // namespace moat::model
