// Split-KV and stream-K decode equal unsplit decode: the merge of partial softmax states is
// exact up to fp32 rounding whatever the split count or worker count. Also checks the
// schedules cover every (head, key) once.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/attention/common/decode_cost.hpp"
#include "kernels/attention/common/decode_instance.hpp"

namespace moat {
namespace {

using attention::AttentionShape;

std::vector<float> decode_with(const attention::DecodeSchedule& sch, const AttentionShape& s,
                               const View4<const float>& q, const attention::ContiguousKV& kv) {
  attention::DecodePlan plan(sch, s);
  View4<float> o("o", s.batch, s.heads_q, s.seq_q, s.value_dim);
  attention::decode_attention(q, kv, o, s, true, plan);
  return download(o);
}

void expect_close(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size());
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double(std::fabs(a[i] - b[i])));
  EXPECT_LT(worst, 2e-6) << what;
}

TEST(SplitKvDecode, EqualsUnsplitForAnySplitOrWorkerCount) {
  for (AttentionShape s : {AttentionShape{2, 8, 2, 1, 1000, 32, 24, 0.18f},
                           AttentionShape{1, 4, 1, 4, 333, 16, 16, 0.25f}}) {
    auto h = attention::random_decode_data(s, DType::fp32, 7);
    auto q = attention::device4("q", h.q, s.batch, s.heads_q, s.seq_q, s.head_dim);
    attention::ContiguousKV kv{attention::device4("k", h.k, s.batch, s.heads_kv, s.seq_kv, s.head_dim),
                               attention::device4("v", h.v, s.batch, s.heads_kv, s.seq_kv, s.value_dim)};
    const auto ref = decode_with(attention::split_kv_schedule(s.batch, s.heads_kv, s.seq_kv, 1), s, q, kv);
    for (int splits : {2, 3, 7, 16, 40})
      expect_close(decode_with(attention::split_kv_schedule(s.batch, s.heads_kv, s.seq_kv, splits), s, q, kv),
                   ref, "split-KV");
    for (int workers : {1, 3, 5, 13, 132})
      expect_close(decode_with(attention::lean_schedule(s.batch, s.heads_kv, s.seq_kv, workers), s, q, kv),
                   ref, "stream-K");
  }
}

TEST(SplitKvDecode, SchedulesCoverEveryKeyOnce) {
  for (int keys : {1, 64, 65, 1000})
    for (int n : {1, 3, 7, 132}) {
      for (const auto& sch : {attention::split_kv_schedule(2, 3, keys, n),
                              attention::lean_schedule(2, 3, keys, n)}) {
        std::vector<int> seen(std::size_t(2 * 3 * keys), 0);
        for (const auto& it : sch.items) {
          for (int j = it.begin; j < it.end; ++j) ++seen[std::size_t(it.b * 3 + it.hk) * keys + j];
          const int head = it.b * 3 + it.hk;
          EXPECT_GE(it.slot, sch.slot_offsets[head]);
          EXPECT_LT(it.slot, sch.slot_offsets[head + 1]);
        }
        for (int c : seen) ASSERT_EQ(c, 1) << "keys " << keys << " n " << n;
      }
    }
}

TEST(SplitKvDecode, LeanWorkersGetEqualWork) {
  const auto sch = attention::lean_schedule(3, 8, 5000, 132);  // 24 heads x 79 tiles
  int lo = 1 << 30, hi = 0;
  for (int w = 0; w < sch.teams(); ++w) {
    int tiles = 0;
    for (int n = sch.team_offsets[w]; n < sch.team_offsets[w + 1]; ++n)
      tiles += (sch.items[n].end - sch.items[n].begin + 63) / 64;
    lo = std::min(lo, tiles);
    hi = std::max(hi, tiles);
  }
  EXPECT_LE(hi - lo, 2);  // +-1 tile, plus a partial last tile per head crossing
}

// The GPU lanes kernel reads K/V from DRAM once; each further row block of a large group re-reads
// it from L2, which the cost charges on chip; groups it cannot hold are staged per row.
TEST(SplitKvDecode, CostChargesRowBlockRereadsOnChip) {
  const auto onchip = [](const AttentionShape& s) {
    const auto sch = attention::split_kv_schedule(s.batch, s.heads_kv, s.seq_kv, 4);
    return attention::decode_cost(s, DType::bf16, sch).bytes_onchip;
  };
  const double kv = 8.0 * 4 * 8192 * (128 + 128) * 2;  // batch 8, 4 KV heads, bf16 K and V
  EXPECT_EQ(onchip(AttentionShape{8, 32, 4, 1, 8192, 128, 128, 0.09f}), 0.0) << "group 8: 1 block";
  EXPECT_EQ(onchip(AttentionShape{8, 64, 4, 1, 8192, 128, 128, 0.09f}), kv) << "group 16: 2 blocks";
  EXPECT_EQ(onchip(AttentionShape{8, 64, 4, 1, 8192, 256, 256, 0.06f}), 3 * 2 * kv)
      << "group 16 of two slots: 4 blocks";
  EXPECT_EQ(onchip(AttentionShape{8, 4 * 65, 4, 1, 8192, 128, 128, 0.09f}), 64 * kv)
      << "group 65: staged, one scratch read per further row";
}

}  // namespace
}  // namespace moat
