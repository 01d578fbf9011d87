// attention.nsa — Native Sparse Attention (causal): three attention branches over the same
// queries, mixed by per-head gates,
//   o_i = g_cmp o_cmp(i) + g_sel o_sel(i) + g_win o_win(i),  p = i + seq_kv - seq_q.
// compressed: softmax over block means Kc_c = mean(K block c), Vc_c = mean(V block c) of the
//   blocks complete at p (c < (p + 1) / block);
// selected:   the key blocks ranked by the compressed scores q . Kc_c (top_k - 1 of the blocks
//   before the current one, ties: lower block) plus the current block, token-level causal
//   softmax over their keys (the block-sparse skeleton, as attention.moba);
// window:     causal softmax over the last `window` keys (attention.sliding_window's policy).
// Simplifications (stated): the compression is a block mean (the paper learns an MLP with
// intra-block position encoding over overlapping blocks, stride < block); compression and
// selection blocks are equal; selection is per query head (the paper sums the compressed
// probabilities over a GQA group to share one selection) and forces only the current block (the
// paper also forces the initial block and two local blocks); the gates are deterministic seeded
// per-head constants sigmoid(N(0,1)) (the paper computes them per token with an MLP).
#include <cmath>

#include "core/variant.hpp"
#include "kernels/attention/common/block_sparse_cost.hpp"
#include "kernels/attention/common/flash_cost.hpp"
#include "kernels/attention/common/spec_helpers.hpp"
#include "kernels/common/random.hpp"

namespace moat::variants::attention_nsa {

attention::BlockGeometry geometry(const Params& p) {
  return {int(p.i("seq_q")), int(p.i("seq_kv")), int(p.i("block")), 1, true};
}

std::vector<double> branch_gates(int heads_q, std::uint64_t seed) {
  Rng rng(seed * 31 + 7);
  std::vector<double> g(std::size_t(heads_q) * 3);
  for (auto& x : g) x = 1.0 / (1.0 + std::exp(-rng.normal()));
  return g;
}

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.nsa";
  v.family = "attention/block-sparse";
  v.summary = "NSA: gated sum of compressed-block, selected-block and sliding-window attention";
  v.reference = "Yuan et al. 2025, Native Sparse Attention: Hardware-Aligned and Natively Trainable Sparse Attention";
  v.params = attention::shape_schema();
  v.params.push_back(attention::block_param(64));
  v.params.push_back(attention::top_k_param(16));
  v.params.push_back(int_param("window", "keys in the sliding-window branch (incl. the query's own)", 512, 1, 1 << 22));
  v.validate = attention::validate_block_sparse;
  v.cost = [](const Params& p, DType dt) {
    const auto s = attention::shape_from(p);
    const auto g = geometry(p);
    const int k = int(p.i("top_k")), w = int(p.i("window")), off = s.seq_kv - s.seq_q;
    Cost c = attention::pooled_gate_cost(s, dt, g, k, 0) +
             attention::block_sparse_attention_cost(s, dt, g, k);
    attention::AttentionShape sc = s;  // compressed branch: keys are the block means
    sc.seq_kv = g.key_blocks();
    c += attention::flash_cost(sc, dt, [=](int i) { return std::pair<int, int>(0, (i + off + 1) / g.block); });
    c += attention::flash_cost(s, dt, [=](int i) {
      return std::pair<int, int>(std::max(0, i + off - w + 1), std::min(s.seq_kv, i + off + 1));
    });
    const double bytes = bytes_of(dt);
    c.flops_vector += double(s.batch) * s.heads_kv * s.seq_kv * s.value_dim;  // pool V
    c.bytes_dram += double(s.v_elems()) * bytes + double(sc.v_elems()) * 4.0;
    c.flops_vector += 5.0 * double(s.o_elems());                // gated sum of three branches
    c.bytes_dram += 3.0 * double(s.o_elems()) * (4.0 + bytes);  // branch outputs written + read
    c.launches += 2;                                            // pool V, combine
    return c;
  };
  v.test_shapes = attention::edge_shapes({{"block", 16}, {"top_k", 3}, {"window", 20}});
  v.test_shapes.push_back({{"seq_q", 300}, {"seq_kv", 300}, {"block", 32}, {"top_k", 4},
                           {"window", 64}, {"heads_q", 4}, {"heads_kv", 2}});
  return v;
}

}  // namespace moat::variants::attention_nsa
