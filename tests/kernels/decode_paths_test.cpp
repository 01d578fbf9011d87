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

template <class T>
using StagedOf = attention::DecodeStagedKernel<attention::ContiguousKVOf<T>, attention::DecodePlan>;

// The per-row kernel (layout_threads = 0) or the staged kernel with the work split of a team of
// layout_threads threads (score planes and value slices for small groups), run by one thread.
template <class T = float>
std::vector<float> decode_with(int layout_threads, const attention::DecodeSchedule& sch,
                               const AttentionShape& s, const View4<const T>& q,
                               const attention::ContiguousKVOf<T>& kv, bool causal) {
  attention::DecodePlan plan(sch, s);
  View4<T> o("o", s.batch, s.heads_q, s.seq_q, s.value_dim);
  poison(o);
  if (layout_threads == 0) {
    attention::decode_attention<attention::ContiguousKVOf<T>, false>(q, kv, o, s, causal, plan);
  } else {
    const auto lay = StagedOf<T>::layout(s, layout_threads, attention::kDecodeStagedScratchBudget);
    EXPECT_GT(lay.kt, 0);
    TeamPolicy tp(plan.teams, 1);
    tp.set_scratch_size(0, Kokkos::PerTeam(lay.bytes));
    Kokkos::parallel_for(tp, StagedOf<T>{q, kv, s, causal, plan, lay});
    attention::merge_decode_partials(plan, s, o);
  }
  return download_floats(o);
}

template <class T>
void expect_staged_equals_per_row(const AttentionShape& s, double rel_tol, double abs_tol) {
  const DType dt = std::is_same_v<T, float> ? DType::fp32 : DType::bf16;
  auto h = attention::random_decode_data(s, dt, 11);
  auto q = attention::device4<T>("q", h.q, s.batch, s.heads_q, s.seq_q, s.head_dim);
  attention::ContiguousKVOf<T> kv{
      attention::device4<T>("k", h.k, s.batch, s.heads_kv, s.seq_kv, s.head_dim),
      attention::device4<T>("v", h.v, s.batch, s.heads_kv, s.seq_kv, s.value_dim)};
  for (bool causal : {true, false})
    for (const auto& sch : {attention::split_kv_schedule(s.batch, s.heads_kv, s.seq_kv, 1),
                            attention::split_kv_schedule(s.batch, s.heads_kv, s.seq_kv, 3),
                            attention::lean_schedule(s.batch, s.heads_kv, s.seq_kv, 5)}) {
      const auto want = decode_with<T>(0, sch, s, q, kv, causal);
      for (int threads : {1, attention::kDecodeStagedThreads}) {
        const auto got = decode_with<T>(threads, sch, s, q, kv, causal);
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t i = 0; i < got.size(); ++i)
          ASSERT_NEAR(got[i], want[i], rel_tol * std::fabs(want[i]) + abs_tol)
              << "element " << i << " causal " << causal << " layout threads " << threads;
      }
    }
}

TEST(DecodePaths, StagedKernelEqualsPerRowKernel) {
  for (AttentionShape s : {AttentionShape{2, 8, 2, 3, 333, 40, 24, 0.16f},
                           AttentionShape{1, 8, 1, 1, 200, 128, 128, 0.09f},
                           AttentionShape{1, 4, 4, 1, 200, 64, 64, 0.12f},  // MHA: split work
                           AttentionShape{1, 2, 2, 2, 5, 16, 8, 0.25f}})
    expect_staged_equals_per_row<float>(s, 0, 2e-6);
}

// bf16 rows are staged as bf16 (8 per packet): the same math on the same rounded inputs.
TEST(DecodePaths, StagedKernelEqualsPerRowKernelForBf16) {
  // outputs rounded to bf16 once: the two summation orders may land one ulp apart
  expect_staged_equals_per_row<bf16>(AttentionShape{2, 8, 2, 2, 290, 32, 48, 0.17f}, 1e-2, 1e-5);
  expect_staged_equals_per_row<bf16>(AttentionShape{1, 2, 2, 1, 150, 64, 64, 0.2f}, 1e-2, 1e-5);
}

// Small groups leave the team too few (row, key) pairs: their scores are summed from head_dim
// slices and their outputs from interleaved key subsets.
TEST(DecodePaths, SmallGroupsSplitTheTileWork) {
  const int nt = attention::kDecodeStagedThreads;
  const auto budget = attention::kDecodeStagedScratchBudget;
  const AttentionShape mha{1, 32, 32, 1, 4096, 128, 128, 0.09f};
  const auto one = StagedOf<float>::layout(mha, nt, budget);
  EXPECT_EQ(one.kt, 32);
  EXPECT_EQ(one.score_parts, 4);   // 4 x 32 (row, key) pairs for 128 threads
  EXPECT_EQ(one.value_slices, 4);  // 4 x 32 value packets
  const AttentionShape llama{8, 32, 8, 1, 8192, 128, 128, 0.09f};  // GQA group 4
  const auto four = StagedOf<float>::layout(llama, nt, budget);
  EXPECT_EQ(four.score_parts, 1);
  EXPECT_EQ(four.value_slices, 1);
  EXPECT_EQ(StagedOf<bf16>::layout(llama, nt, budget).value_slices, 2)
      << "16 bf16 value packets per row";
  EXPECT_EQ(StagedOf<float>::layout(llama, 1, budget).value_slices, 1) << "one thread: no split";
}

TEST(DecodePaths, StagedTilesFitCudaLevel0Scratch) {
  const int nt = attention::kDecodeStagedThreads;
  const auto budget = attention::kDecodeStagedScratchBudget;
  EXPECT_LE(budget, kCudaLevel0ScratchMax);
  const AttentionShape llama{8, 32, 8, 1, 8192, 128, 128, 0.09f};  // GQA group 4
  const auto lay = StagedOf<float>::layout(llama, nt, budget);
  EXPECT_EQ(lay.kt, 32);
  EXPECT_LE(std::size_t(lay.bytes), kCudaLevel0ScratchMax);
  EXPECT_EQ(StagedOf<bf16>::layout(llama, nt, budget).kt, 32)
      << "bf16 rows take half the scratch, its two output planes take it back";
  const AttentionShape group8{1, 64, 8, 1, 4096, 128, 128, 0.09f};
  EXPECT_EQ(StagedOf<float>::layout(group8, nt, budget).kt, 16)
      << "8 rows of 128 floats: the tile shrinks to fit";
}

TEST(DecodePaths, WideHeadsFallBackToThePerRowKernel) {
  const int nt = attention::kDecodeStagedThreads;
  const auto budget = attention::kDecodeStagedScratchBudget;
  const AttentionShape wide{1, 32, 1, 1, 64, 576, 512, 0.04f};  // MLA-like latent rows, MQA
  EXPECT_EQ(StagedOf<float>::layout(wide, nt, budget).kt, 0);
  const AttentionShape odd{1, 4, 2, 1, 64, 30, 32, 0.1f};  // rows are not whole 16-byte packets
  EXPECT_EQ(StagedOf<float>::layout(odd, nt, budget).kt, 0);
}

}  // namespace
}  // namespace moat
