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

// The lanes kernel (decode_lanes.hpp) on the host: one lane per key row, so a lane holds the
// whole row (at most two 4-element slots, 8-element ones for 16-bit rows: narrow heads here) and
// the thread runs every key group in turn before the groups' states merge.
template <class T>
std::vector<float> decode_lanes_with(int groups, const attention::DecodeSchedule& sch,
                                     const AttentionShape& s, const View4<const T>& q,
                                     const attention::ContiguousKVOf<T>& kv, bool causal) {
  attention::DecodePlan plan(sch, s);
  View4<T> o("o", s.batch, s.heads_q, s.seq_q, s.value_dim);
  poison(o);
  const auto lay =
      attention::DecodeLanesLayout::make(s, 1, groups, kCudaLevel0ScratchMax, int(sizeof(T)));
  EXPECT_GT(lay.lanes, 0);
  EXPECT_EQ(lay.groups, groups);
  attention::run_decode_lanes(q, kv, s, causal, plan, lay);
  attention::merge_decode_partials(plan, s, o);
  return download_floats(o);
}

// A GPU phase-1 path against the per-row kernel on the same inputs, causal and not, for split-KV
// (1 and 3 splits) and stream-K schedules: path(setting, schedule, q, kv, causal) for each
// setting (layout threads of the staged kernel, key groups of the lanes kernel).
template <class T, class Path>
void expect_path_equals_per_row(const AttentionShape& s, double rel_tol, double abs_tol,
                                std::initializer_list<int> settings, const Path& path) {
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
      for (int setting : settings) {
        const auto got = path(setting, sch, q, kv, causal);
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t i = 0; i < got.size(); ++i)
          ASSERT_NEAR(got[i], want[i], rel_tol * std::fabs(want[i]) + abs_tol)
              << "element " << i << " causal " << causal << " setting " << setting;
      }
    }
}

template <class T>
void expect_staged_equals_per_row(const AttentionShape& s, double rel_tol, double abs_tol) {
  expect_path_equals_per_row<T>(
      s, rel_tol, abs_tol, {1, attention::kDecodeStagedThreads},
      [&](int threads, const auto& sch, const auto& q, const auto& kv, bool causal) {
        return decode_with<T>(threads, sch, s, q, kv, causal);
      });
}

template <class T>
void expect_lanes_equals_per_row(const AttentionShape& s, double rel_tol, double abs_tol) {
  expect_path_equals_per_row<T>(
      s, rel_tol, abs_tol, {1, 3, 4},
      [&](int groups, const auto& sch, const auto& q, const auto& kv, bool causal) {
        return decode_lanes_with<T>(groups, sch, s, q, kv, causal);
      });
}

TEST(DecodePaths, LanesKernelEqualsPerRowKernel) {
  for (AttentionShape s : {AttentionShape{2, 8, 2, 2, 333, 4, 4, 0.5f},    // 8 rows, causal tokens
                           AttentionShape{1, 8, 2, 1, 200, 8, 8, 0.35f},   // 4 rows, 2 slots
                           AttentionShape{1, 4, 4, 1, 200, 8, 4, 0.35f},   // MHA: one row
                           AttentionShape{1, 6, 2, 1, 77, 4, 8, 0.5f},     // 3 of 4 rows live
                           AttentionShape{1, 4, 2, 3, 50, 4, 4, 0.5f},     // 6 of 8 rows live
                           AttentionShape{1, 8, 2, 3, 90, 4, 4, 0.5f},     // blocks: 6 + 6 rows
                           AttentionShape{2, 16, 2, 1, 150, 8, 8, 0.35f},  // 4 + 4, 2 slots
                           AttentionShape{1, 23, 1, 1, 130, 4, 4, 0.5f}})  // 8 + 8 + 7 rows
    expect_lanes_equals_per_row<float>(s, 1e-5, 2e-6);
  // outputs rounded to bf16 once: the two summation orders may land one ulp apart. 16-bit rows of
  // one or four register rows take 8-element slots, 8 rows 4-element ones.
  for (AttentionShape s : {AttentionShape{2, 8, 2, 1, 290, 8, 8, 0.35f},    // 4 rows, one slot
                           AttentionShape{1, 4, 4, 1, 200, 16, 8, 0.25f},   // one row, 2 slots
                           AttentionShape{1, 16, 2, 1, 150, 4, 4, 0.5f},    // 8 rows
                           AttentionShape{1, 32, 2, 1, 150, 4, 4, 0.5f},    // 2 blocks of 8
                           AttentionShape{1, 16, 2, 1, 150, 8, 8, 0.35f}})  // 2 x 4 rows, 2 slots
    expect_lanes_equals_per_row<bf16>(s, 1e-2, 1e-5);
}

// What the GPU runs: 32 lanes for head_dim 128, slots and register rows from the shape, key
// groups cut to fit scratch, and the shapes the lanes kernel leaves to the staged kernel.
TEST(DecodePaths, LanesLayoutFollowsTheShape) {
  const auto budget = kCudaLevel0ScratchMax;
  using Layout = attention::DecodeLanesLayout;
  const AttentionShape llama{8, 32, 8, 1, 8192, 128, 128, 0.09f};  // GQA group 4
  const auto four = Layout::make(llama, 32, 4, budget, 4);
  EXPECT_EQ(four.lanes, 32);
  EXPECT_EQ(four.slots, 1);
  EXPECT_EQ(four.rows, 4);
  EXPECT_EQ(four.threads(), 128);
  EXPECT_LE(std::size_t(four.bytes), budget);
  EXPECT_EQ(Layout::make(llama, 32, 16, budget, 4).groups, 16) << "16 warps: 33 KB of states";
  const AttentionShape mha{1, 32, 32, 1, 4096, 64, 64, 0.125f};
  const auto one = Layout::make(mha, 32, 8, budget, 4);
  EXPECT_EQ(one.slots, 1) << "64 elements: half the warp's lanes hold 4 each, the rest none";
  EXPECT_EQ(one.rows, 1);
  const AttentionShape wide{8, 32, 8, 1, 8192, 256, 256, 0.06f};
  EXPECT_EQ(Layout::make(wide, 32, 4, budget, 4).slots, 2);
  const AttentionShape group8{1, 64, 8, 1, 4096, 128, 128, 0.09f};
  const auto eight = Layout::make(group8, 32, 16, budget, 4);
  EXPECT_EQ(eight.rows, 8);
  EXPECT_EQ(eight.row_blocks, 1);
  EXPECT_EQ(eight.groups, 8) << "8 rows of 130 floats per group: 16 groups do not fit";
  EXPECT_EQ(Layout::make(AttentionShape{1, 36, 4, 1, 64, 576, 512, 0.04f}, 32, 4, budget, 4).lanes,
            0)
      << "MLA latent rows: 5 slots";
  EXPECT_EQ(Layout::make(AttentionShape{1, 4, 2, 1, 64, 30, 32, 0.1f}, 32, 4, budget, 4).lanes, 0)
      << "rows are not whole 4-element slots";
}

// Groups of more rows than a team holds in registers run as balanced row blocks, one team each.
TEST(DecodePaths, LanesLayoutCutsLargeGroupsIntoRowBlocks) {
  const auto budget = kCudaLevel0ScratchMax;
  using Layout = attention::DecodeLanesLayout;
  const auto qwen = Layout::make(AttentionShape{8, 64, 4, 1, 8192, 128, 128, 0.09f}, 32, 16, budget,
                                 2);  // Qwen3-235B: GQA group 16
  EXPECT_EQ(qwen.row_blocks, 2);
  EXPECT_EQ(qwen.block_rows, 8);
  EXPECT_EQ(qwen.rows, 8);
  EXPECT_EQ(qwen.width, 4) << "8 rows of 8-element slots would spill";
  const auto wide8 =
      Layout::make(AttentionShape{1, 64, 8, 1, 64, 256, 256, 0.06f}, 32, 4, budget, 4);
  EXPECT_EQ(wide8.row_blocks, 2) << "8 rows of two slots: 4 rows a block";
  EXPECT_EQ(wide8.rows, 4);
  EXPECT_EQ(wide8.slots, 2);
  const auto nine = Layout::make(AttentionShape{1, 36, 4, 1, 64, 128, 128, 0.1f}, 32, 4, budget, 4);
  EXPECT_EQ(nine.row_blocks, 2);
  EXPECT_EQ(nine.block_rows, 5) << "balanced: 5 + 4 rows, not 8 + 1";
  EXPECT_EQ(nine.rows, 8);
  EXPECT_TRUE(nine.key_lanes());
  EXPECT_EQ(nine.group_floats, 652) << "the block's 5 rows' state, in whole 16-byte pieces";
  EXPECT_EQ(nine.bytes, (4 * 652 + 8 * 128) * 4 + 16) << "4 groups' states, 8 query rows";
  const auto steps =
      Layout::make(AttentionShape{1, 32, 8, 3, 900, 128, 128, 0.09f}, 32, 4, budget, 4);
  EXPECT_EQ(steps.row_blocks, 2) << "GQA 4 x 3 causal tokens";
  EXPECT_EQ(steps.block_rows, 6);
  EXPECT_EQ(
      Layout::make(AttentionShape{1, 64, 1, 1, 64, 128, 128, 0.09f}, 32, 4, budget, 4).row_blocks,
      8);
  EXPECT_EQ(Layout::make(AttentionShape{1, 65, 1, 1, 64, 128, 128, 0.09f}, 32, 4, budget, 4).lanes,
            0)
      << "9 blocks: staged instead";
  // run_decode_lanes instantiates blocked kernels for these two register shapes only.
  for (int elem : {2, 4})
    for (int heads_q = 1; heads_q <= 64; ++heads_q)
      for (int seq_q : {1, 2, 3})
        for (int head_dim : {32, 64, 96, 128, 160, 192, 256}) {
          const auto lay = Layout::make(AttentionShape{1, heads_q, 1, seq_q, 64, head_dim, head_dim,
                                                       0.1f},
                                        32, 4, budget, elem);
          if (lay.lanes == 0 || lay.row_blocks == 1) continue;
          EXPECT_EQ(lay.width, 4);
          EXPECT_TRUE((lay.rows == 8 && lay.slots == 1) || (lay.rows == 4 && lay.slots == 2))
              << heads_q << " x " << seq_q << " rows of head_dim " << head_dim;
        }
}

// 8 register rows of one slot score a key per lane (two per step): their groups' scratch slots
// also hold a step's weights, and the query rows sit in scratch after them.
TEST(DecodePaths, KeyLanesLayoutsHoldWeightsAndQueryRows) {
  const auto budget = kCudaLevel0ScratchMax;
  using Layout = attention::DecodeLanesLayout;
  const AttentionShape group8{8, 64, 8, 1, 8192, 128, 128, 0.09f};
  const auto eight = Layout::make(group8, 32, 8, budget, 4);
  EXPECT_TRUE(eight.key_lanes());
  EXPECT_EQ(eight.keys_per_step(), 64);
  EXPECT_EQ(eight.group_floats, 8 * 130) << "the state outgrows a step's 64 x 8 weights";
  EXPECT_EQ(eight.query_floats(group8), 8 * 128);
  EXPECT_EQ(eight.groups, 8);
  EXPECT_EQ(eight.bytes, (8 * 8 * 130 + 8 * 128) * 4 + 16);
  const AttentionShape narrow{1, 8, 1, 1, 500, 32, 32, 0.2f};
  const auto small = Layout::make(narrow, 32, 4, budget, 4);
  EXPECT_TRUE(small.key_lanes());
  EXPECT_EQ(small.group_floats, 64 * 8) << "weights outgrow 8 rows of 34 floats";
  const auto four =
      Layout::make(AttentionShape{1, 32, 8, 1, 500, 128, 128, 0.1f}, 32, 4, budget, 4);
  EXPECT_FALSE(four.key_lanes()) << "4 rows: a warp per key";
  EXPECT_EQ(four.keys_per_step(), four.keys_at_once());
  EXPECT_EQ(Layout::make(AttentionShape{1, 8, 1, 1, 500, 100, 100, 0.1f}, 32, 4, budget, 2).lanes,
            0)
      << "16-bit K rows load in 8-element pieces";
  EXPECT_GT(Layout::make(AttentionShape{1, 8, 1, 1, 500, 100, 100, 0.1f}, 32, 4, budget, 4).lanes,
            0)
      << "fp32 pieces are 4 elements";
}

// 16-bit rows of one or four register rows: a half-warp per key row (8 elements a lane, one
// 16-byte load), so a warp holds two keys at once; 8 rows, or 4 of two slots, keep 4-element
// slots (8 would spill).
TEST(DecodePaths, LanesLayoutTakesTwo16BitKeysPerWarp) {
  const auto budget = kCudaLevel0ScratchMax;
  using Layout = attention::DecodeLanesLayout;
  const AttentionShape mha{8, 32, 32, 1, 8192, 128, 128, 0.09f};
  const auto two = Layout::make(mha, 32, 4, budget, 2);
  EXPECT_EQ(two.width, 8);
  EXPECT_EQ(two.row_lanes, 16);
  EXPECT_EQ(two.keys_at_once(), 2);
  EXPECT_EQ(two.slots, 1);
  EXPECT_EQ(two.rows, 1);
  const auto fp32 = Layout::make(mha, 32, 4, budget, 4);
  EXPECT_EQ(fp32.width, 4);
  EXPECT_EQ(fp32.keys_at_once(), 1);
  const auto wide =
      Layout::make(AttentionShape{1, 32, 32, 1, 4096, 256, 256, 0.06f}, 32, 4, budget, 2);
  EXPECT_EQ(wide.width, 8);
  EXPECT_EQ(wide.slots, 2);
  const auto gqa =
      Layout::make(AttentionShape{8, 32, 8, 1, 8192, 128, 128, 0.09f}, 32, 4, budget, 2);
  EXPECT_EQ(gqa.width, 8) << "4 rows of one 8-element slot";
  EXPECT_EQ(gqa.rows, 4);
  EXPECT_EQ(gqa.keys_at_once(), 2);
  const auto gqa256 =
      Layout::make(AttentionShape{8, 32, 8, 1, 8192, 256, 256, 0.06f}, 32, 4, budget, 2);
  EXPECT_EQ(gqa256.width, 4) << "4 rows of two 8-element slots: too many registers";
  EXPECT_EQ(gqa256.slots, 2);
  const auto group8 =
      Layout::make(AttentionShape{1, 64, 8, 1, 4096, 128, 128, 0.09f}, 32, 4, budget, 2);
  EXPECT_EQ(group8.width, 4) << "8 rows of 8-element slots: too many registers";
  const auto odd =
      Layout::make(AttentionShape{1, 32, 32, 1, 4096, 132, 132, 0.09f}, 32, 8, budget, 2);
  EXPECT_EQ(odd.width, 4) << "rows are not whole 8-element slots";
  EXPECT_EQ(odd.slots, 2);
  const auto host = Layout::make(AttentionShape{1, 4, 4, 1, 200, 16, 8, 0.25f}, 1, 1, budget, 2);
  EXPECT_EQ(host.width, 8);
  EXPECT_EQ(host.row_lanes, 1) << "one lane holds the whole row on hosts";
  EXPECT_EQ(host.slots, 2);
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
