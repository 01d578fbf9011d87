// The decode skeleton's two phase-1 kernels on the same inputs: the per-row kernel (what CPU
// builds run) and the staged kernel (what GPU builds run), here on the host with one thread per
// team, so that CPU CI checks the GPU path's logic too. Causal multi-token rows, GQA groups,
// partial key tiles, split-KV and stream-K schedules, and a key tile shrunk to fit scratch.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/attention/common/decode_instance.hpp"

namespace moat {
namespace {

using attention::AttentionShape;

template <bool kStaged>
std::vector<float> decode_with(const attention::DecodeSchedule& sch, const AttentionShape& s,
                               const View4<const float>& q, const attention::ContiguousKV& kv,
                               bool causal) {
  attention::DecodePlan plan(sch, s);
  View4<float> o("o", s.batch, s.heads_q, s.seq_q, s.value_dim);
  poison(o);
  attention::decode_attention<attention::ContiguousKV, kStaged>(q, kv, o, s, causal, plan);
  return download(o);
}

TEST(DecodePaths, StagedKernelEqualsPerRowKernel) {
  using Staged = attention::DecodeStagedKernel<attention::ContiguousKV, attention::DecodePlan>;
  for (AttentionShape s : {AttentionShape{2, 8, 2, 3, 333, 40, 24, 0.16f},
                           AttentionShape{1, 8, 1, 1, 200, 128, 128, 0.09f},
                           AttentionShape{1, 2, 2, 2, 5, 16, 8, 0.25f}}) {
    const int kt = Staged::key_tile(s, attention::kDecodeStagedScratchBudget);
    ASSERT_GT(kt, 0);
    if (s.head_dim == 128) {
      EXPECT_EQ(kt, 16) << "8 rows of 128 floats: the tile shrinks to fit";
    }
    auto h = attention::random_decode_data(s, DType::fp32, 11);
    auto q = attention::device4("q", h.q, s.batch, s.heads_q, s.seq_q, s.head_dim);
    attention::ContiguousKV kv{
        attention::device4("k", h.k, s.batch, s.heads_kv, s.seq_kv, s.head_dim),
        attention::device4("v", h.v, s.batch, s.heads_kv, s.seq_kv, s.value_dim)};
    for (bool causal : {true, false})
      for (const auto& sch : {attention::split_kv_schedule(s.batch, s.heads_kv, s.seq_kv, 1),
                              attention::split_kv_schedule(s.batch, s.heads_kv, s.seq_kv, 3),
                              attention::lean_schedule(s.batch, s.heads_kv, s.seq_kv, 5)}) {
        const auto want = decode_with<false>(sch, s, q, kv, causal);
        const auto got = decode_with<true>(sch, s, q, kv, causal);
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t i = 0; i < got.size(); ++i)
          ASSERT_NEAR(got[i], want[i], 2e-6) << "element " << i << " causal " << causal;
      }
  }
}

TEST(DecodePaths, StagedTilesFitCudaLevel0Scratch) {
  using Staged = attention::DecodeStagedKernel<attention::ContiguousKV, attention::DecodePlan>;
  EXPECT_LE(attention::kDecodeStagedScratchBudget, kCudaLevel0ScratchMax);
  const AttentionShape llama{8, 32, 8, 1, 8192, 128, 128, 0.09f};  // GQA group 4
  EXPECT_EQ(Staged::key_tile(llama, attention::kDecodeStagedScratchBudget), 32);
}

TEST(DecodePaths, WideHeadsFallBackToThePerRowKernel) {
  using Staged = attention::DecodeStagedKernel<attention::ContiguousKV, attention::DecodePlan>;
  const AttentionShape wide{1, 32, 1, 1, 64, 576, 512, 0.04f};  // MLA-like latent rows, MQA
  EXPECT_EQ(Staged::key_tile(wide, attention::kDecodeStagedScratchBudget), 0);
}

}  // namespace
}  // namespace moat
