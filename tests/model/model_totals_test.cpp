#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "model/models/model_totals.hpp"
#include "model/models/parameters.hpp"
#include "test_paths.hpp"

namespace moat::model {
namespace {

namespace fs = std::filesystem;

ModelPreset preset(const std::string& id) { return load_model_preset(test::preset(id)); }

std::string write_temp(const std::string& name, const std::string& text) {
  fs::path p = fs::temp_directory_path() / ("moat_model_test_" + name);
  std::ofstream(p) << text;
  return p.string();
}

// vocab 10, hidden 4, one layer: GQA 2 heads x 2 dims, 1 KV head; dense FFN of width 3.
const char* kTiny = R"(
config_source = "hand-made for tests"
vocab_size = 10
hidden = 4
[attention.full]
kind = "gqa"
heads = 2
kv_heads = 1
head_dim = 2
[ffn.dense]
kind = "dense"
intermediate = 3
[[layers]]
count = 1
attention = "full"
ffn = "dense"
)";

TEST(ModelTotals, TinyModelByHand) {
  ModelPreset m = load_model_preset(write_temp("tiny.toml", kTiny));
  ParameterCount c = count_parameters(m);
  // attention: q 4x4 + o 4x4 + k,v 2 x 4x2 = 48; FFN 3x4x3 = 36; norms 2x4 + 4 = 12; tables 2 x 40.
  EXPECT_DOUBLE_EQ(c.attention_total, 48);
  EXPECT_DOUBLE_EQ(c.ffn_total, 36);
  EXPECT_DOUBLE_EQ(c.norms, 12);
  EXPECT_DOUBLE_EQ(c.total(), 176);
  // 2 FLOPs per weight except the input table: 2 x (48 + 36 + 12 + 40) = 272; attention at
  // position 5: QK^T and PV, 2 x heads 2 x head_dim 2 x 5 keys each = 80.
  EXPECT_DOUBLE_EQ(flops_per_token(m, 5, AttentionMode::decode), 352);
  // K and V: 2 x 1 head x 2 dims = 4 elements per token, 2 bytes each.
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(m, 2), 8);
  EXPECT_DOUBLE_EQ(kv_bytes_per_sequence(m, 100, 2), 800);
  KvCapacity k = kv_capacity(m, 1e9, 4e8, 100, 2);
  EXPECT_DOUBLE_EQ(k.free_bytes, 6e8);
  EXPECT_DOUBLE_EQ(k.sequences, 750000);
  EXPECT_DOUBLE_EQ(k.tokens, 75e6);
  EXPECT_DOUBLE_EQ(kv_capacity(m, 1e8, 4e8, 100, 2).sequences, 0);  // weights do not fit
}

TEST(ModelTotals, KvBytesPerTokenOfRealModels) {
  // MLA keeps the 512-wide latent plus the 64-wide shared RoPE key per layer: 576 x 61 x 2 bytes.
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(preset("deepseek-v3"), 2), 576.0 * 61 * 2);
  // GQA: K and V, 8 KV heads x 128 dims x 32 layers x 2 bytes.
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(preset("llama-3.1-8b"), 2), 2.0 * 8 * 128 * 32 * 2);
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(preset("llama-3.1-70b"), 2), 2.0 * 8 * 128 * 80 * 2);
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(preset("mixtral-8x7b"), 1), 2.0 * 8 * 128 * 32);
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(preset("qwen3-235b-a22b"), 2), 2.0 * 4 * 128 * 94 * 2);
}

TEST(ModelTotals, SlidingWindowAndLinearAttentionBoundTheCache) {
  // gpt-oss-120b: 18 full layers keep every token, 18 sliding layers at most 128; K+V of
  // 8 heads x 64 dims = 1024 elements per layer per token.
  ModelPreset oss = preset("gpt-oss-120b");
  EXPECT_DOUBLE_EQ(kv_bytes_per_sequence(oss, 1000, 2), 1024.0 * 2 * (18 * 1000 + 18 * 128));
  EXPECT_DOUBLE_EQ(kv_bytes_per_sequence(oss, 100, 2), 1024.0 * 2 * 36 * 100);
  // MiniMax-Text-01: 10 softmax layers hold K/V; 70 lightning layers hold a 64 x 128 x 128 state.
  ModelPreset mm = preset("minimax-text-01");
  EXPECT_DOUBLE_EQ(kv_bytes_per_token(mm, 2), 2.0 * 8 * 128 * 10 * 2);
  EXPECT_DOUBLE_EQ(kv_bytes_per_sequence(mm, 1000, 2),
                   2.0 * (2.0 * 8 * 128 * 10 * 1000 + 70.0 * 64 * 128 * 128));
}

TEST(ModelTotals, AttentionFlopsFollowTheMode) {
  ModelPreset ds = preset("deepseek-v3");
  const AttentionBlock& mla = ds.attention.at("mla");
  // Prefill, plain form: 2 x 128 heads x (128 + 64) x n + 2 x 128 x 128 x n.
  EXPECT_DOUBLE_EQ(attention_flops_per_query(mla, 10, AttentionMode::prefill),
                   2.0 * 128 * 192 * 10 + 2.0 * 128 * 128 * 10);
  // Decode, absorbed form over the latent: 2 x 128 x 576 x n + 2 x 128 x 512 x n.
  EXPECT_DOUBLE_EQ(attention_flops_per_query(mla, 10, AttentionMode::decode),
                   2.0 * 128 * 576 * 10 + 2.0 * 128 * 512 * 10);
  AttentionBlock window;
  window.sliding_window = 4;
  EXPECT_DOUBLE_EQ(causal_keys_sum(window, 3), 6);             // 1 + 2 + 3
  EXPECT_DOUBLE_EQ(causal_keys_sum(window, 10), 10 + 6 * 4);   // 1+2+3+4, then 4 per query
  AttentionBlock full;
  EXPECT_DOUBLE_EQ(causal_keys_sum(full, 10), 55);
}

TEST(ModelTotals, DenseModelFlopsPerTokenIsTwiceItsWeightsPlusAttention) {
  ModelPreset m = preset("llama-3.1-70b");
  ParameterCount c = count_parameters(m);
  const double weights = 2 * (c.total() - c.embedding);
  const double attention = 80 * 2.0 * 64 * 128 * 2 * 4096;
  EXPECT_DOUBLE_EQ(flops_per_token(m, 4096, AttentionMode::prefill), weights + attention);
}

TEST(ModelPreset, StrictParsing) {
  auto path = write_temp("bad_preset.toml", std::string(kTiny) + "expert_count = 3\n");
  try {
    load_model_preset(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":17:1: error: unknown key 'expert_count'"),
              std::string::npos)
        << e.what();
  }
  std::string bad_ref = kTiny;
  bad_ref.replace(bad_ref.find("ffn = \"dense\""), 13, "ffn = \"moe\"");
  EXPECT_THROW(load_model_preset(write_temp("bad_ref.toml", bad_ref)), Error);
  std::string bad_heads = kTiny;
  bad_heads.replace(bad_heads.find("kv_heads = 1"), 12, "kv_heads = 3");
  EXPECT_THROW(load_model_preset(write_temp("bad_heads.toml", bad_heads)), Error);
}

}  // namespace
}  // namespace moat::model
