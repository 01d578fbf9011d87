// Properties of the block-sparse skeleton (through MoBA and SeerAttention's selectors):
// every block selected equals dense causal attention, lists obey the causal / current-block
// rules, and the cost model charges dense cost when every block is selected.
#include <gtest/gtest.h>

#include "core/variant.hpp"
#include "kernels/attention/common/block_sparse_cost.hpp"
#include "kernels/attention/common/block_sparse_gate.hpp"
#include "kernels/attention/common/flash_cost.hpp"
#include "kernels/attention/hip/selector.hpp"

namespace moat {
namespace {

using attention::BlockGeometry;
using attention::BlockSparseInstance;
using attention::PooledGate;

struct Causal {
  int seq_kv, offset;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return kx::min(seq_kv, i + offset + 1); }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const { return j <= i + offset; }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

Params moba_params(int seq_q, int seq_kv, int block, int top_k) {
  const VariantSpec* spec = find_variant_spec("attention.moba");
  return complete_params(spec->params, {{"seq_q", seq_q}, {"seq_kv", seq_kv}, {"block", block},
                                        {"top_k", top_k}, {"heads_q", 4}, {"heads_kv", 2},
                                        {"head_dim", 32}}, "t");
}

TEST(BlockSparse, AllBlocksSelectedEqualsDenseCausal) {
  for (int group : {1, 16}) {  // per-token lists (MoBA) and per-query-block lists (Seer)
    Params p = moba_params(150, 200, 16, 64);  // 13 key blocks <= top_k: everything selected
    auto s = attention::shape_from(p);
    BlockGeometry g{150, 200, 16, group, true};
    BlockSparseInstance<PooledGate> inst(InstanceRequest{p, DType::fp32, 5}, s,
                                         PooledGate(s, g, 64, group > 1 ? 8 : 0, 5));
    auto sparse = inst.output();
    View4<float> o("o_dense", s.batch, s.heads_q, s.seq_q, s.value_dim);
    attention::flash_forward(inst.q(), inst.k(), inst.v(), o, s, Causal{200, 50});
    auto dense = download(o);
    ASSERT_EQ(sparse.size(), dense.size());
    for (std::size_t i = 0; i < dense.size(); ++i) ASSERT_NEAR(sparse[i], dense[i], 1e-5) << i;
  }
}

TEST(BlockSparse, ListsKeepCurrentBlockAndNoFutureBlock) {
  const int seq_q = 90, seq_kv = 170, block = 16, top_k = 4, off = seq_kv - seq_q;
  Params p = moba_params(seq_q, seq_kv, block, top_k);
  auto s = attention::shape_from(p);
  for (int group : {1, block}) {
    BlockGeometry g{seq_q, seq_kv, block, group, true};
    BlockSparseInstance<PooledGate> inst(InstanceRequest{p, DType::fp32, 3}, s,
                                         PooledGate(s, g, top_k, 0, 3));
    inst.output();
    const auto lists = inst.row_lists();
    const int width = g.list_width(top_k);
    for (int row = 0; row < s.batch * s.heads_q * seq_q; ++row) {
      const int i = row % seq_q, p_i = i + off;
      const int cur = group == 1 ? p_i / block : g.current_block(g.group_of_row(i));
      std::vector<int> l;
      for (int t = 0; t < width; ++t)
        if (lists[row * width + t] >= 0) l.push_back(lists[row * width + t]);
      ASSERT_EQ(int(l.size()), std::min(top_k, cur + 1)) << "row " << row;
      EXPECT_EQ(l.back(), cur) << "current block missing, row " << row;
      for (std::size_t t = 1; t < l.size(); ++t) EXPECT_LT(l[t - 1], l[t]) << "row " << row;
      if (group == 1) {
        EXPECT_LE(l.back() * block, p_i) << "future block, row " << row;
      }
    }
  }
}

TEST(BlockSparse, CostWithEveryBlockSelectedIsDenseCausalCost) {
  for (auto [n, block] : {std::pair{1000, 64}, std::pair{777, 40}, std::pair{300, 16}}) {
    attention::AttentionShape s{1, 8, 2, n, n, 64, 64, 0.125f};
    const BlockGeometry g{n, n, block, 1, true};
    const Cost sparse = attention::block_sparse_attention_cost(s, DType::fp32, g, 64);
    const Cost dense = attention::flash_cost(s, DType::fp32, attention::causal_range(s));
    EXPECT_DOUBLE_EQ(sparse.flops_matrix, dense.flops_matrix) << n << " " << block;
    EXPECT_DOUBLE_EQ(sparse.special_ops, dense.special_ops) << n << " " << block;
  }
  // Fixed top_k: attention work grows linearly with n (dense would grow quadratically).
  auto flops = [](int n) {
    attention::AttentionShape s{1, 8, 8, n, n, 64, 64, 0.125f};
    return attention::block_sparse_attention_cost(s, DType::fp32, {n, n, 512, 512, true}, 4)
        .flops_matrix;
  };
  EXPECT_NEAR(flops(65536) / flops(32768), 2.0, 0.1);
}

TEST(HipPrune, FindsTheBestBlocksOfAMonotoneScore) {
  int out[attention::kMaxTopK];
  // Score rising with the block: the last `picks` blocks win at every level.
  const int n = variants::attention_hip::HipPrune::prune(100, 5, [](int b) { return float(b); }, out);
  ASSERT_EQ(n, 5);
  for (int t = 0; t < 5; ++t) EXPECT_EQ(out[t], 95 + t);
  // Fewer candidates than picks: all of them.
  EXPECT_EQ(variants::attention_hip::HipPrune::prune(3, 5, [](int) { return 0.f; }, out), 3);
}

}  // namespace
}  // namespace moat
