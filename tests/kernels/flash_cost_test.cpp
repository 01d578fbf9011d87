// The flash skeleton's cost (flash_cost.hpp): K/V tiles staged once per query tile, or once per
// packed GPU team of a KV head's rows for decode-shaped problems.
#include "kernels/attention/common/flash_cost.hpp"

#include <gtest/gtest.h>

namespace moat {
namespace {

using attention::AttentionShape;

// MLA decode (DeepSeek-V3): 128 query heads over one latent KV head, one token. Two packed teams
// of 64 rows stage the 4096 latent rows: one pass beyond the compulsory DRAM read is on-chip.
TEST(FlashCost, DecodeShapedGroupsStageOncePerPackedTeam) {
  const AttentionShape mla{1, 128, 1, 1, 4096, 576, 512, 0.07f};
  const auto c = attention::flash_cost(mla, DType::fp32, attention::causal_range(mla));
  const double kv_row = (576 + 512) * 4.0;
  EXPECT_DOUBLE_EQ(c.bytes_onchip, 4096 * kv_row);
  EXPECT_DOUBLE_EQ(c.flops_matrix, 2.0 * 128 * 4096 * (576 + 512));
  // GQA decode, group 4: one team holds the group, so nothing is staged twice.
  const AttentionShape gqa{8, 32, 8, 1, 8192, 128, 128, 0.09f};
  EXPECT_DOUBLE_EQ(attention::flash_cost(gqa, DType::bf16, attention::full_range(gqa)).bytes_onchip,
                   0.0);
}

// Prefill keeps one stage per (query head, query tile): 2 query tiles of 32 rows per head, each
// staging every key of a full mask.
TEST(FlashCost, PrefillStagesPerQueryTile) {
  const AttentionShape s{1, 4, 2, 64, 256, 64, 64, 0.125f};
  const auto c = attention::flash_cost(s, DType::fp32, attention::full_range(s));
  const double kv_row = 128 * 4.0;
  const double staged = 4.0 * 2 * 256 * kv_row;
  const double compulsory = (4.0 * 64 * 64 * 2) * 4 + 2.0 * 256 * kv_row;  // q + o, then K/V
  EXPECT_DOUBLE_EQ(c.bytes_onchip, staged + 4.0 * 64 * 64 * 2 * 4 - compulsory);
}

}  // namespace
}  // namespace moat
