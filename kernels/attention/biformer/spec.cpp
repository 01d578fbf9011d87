// attention.biformer — BiFormer's Bi-level Routing Attention (BRA). Tokens are in region-major
// order (BiFormer rearranges the S x S feature-map regions so that each region's tokens are
// contiguous), so a region is a block of `block` consecutive tokens. Region-level routing:
//   A = mean(Q_r) . mean(K_r')  for every region pair (per head),  I_r = top_k regions of row r
// (ties: lower region); token-level attention: each query of region r attends with softmax to all
// keys of the regions in I_r (non-causal, no forced region; its own region is usually chosen).
// Omitted (stated): the local-context-enhancement depthwise conv on V, and the Q/K/V projections
// (inputs are the projected Q, K, V). Self-attention: seq_q == seq_kv.
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/block_sparse_cost.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_biformer {

attention::BlockGeometry geometry(const Params& p) {
  const int b = int(p.i("block"));
  return {int(p.i("seq_q")), int(p.i("seq_kv")), b, b, false};
}

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.biformer";
  v.family = "attention/block-sparse";
  v.summary = "BiFormer BRA: region-to-region routing by pooled Q.K, top-k regions, token attention inside them";
  v.reference = "Zhu et al. 2023, BiFormer: Vision Transformer with Bi-Level Routing Attention";
  v.params = attention::shape_schema();
  v.params.push_back(attention::block_param(49));  // 7 x 7 region (224 px, stage 1, S = 8)
  v.params.push_back(attention::top_k_param(4));
  v.validate = [](const Params& p) {
    attention::validate_block_sparse(p);
    if (p.i("seq_q") != p.i("seq_kv")) throw Error("biformer is self-attention: seq_q must equal seq_kv");
  };
  v.cost = [](const Params& p, DType dt) {
    const auto s = attention::shape_from(p);
    const auto g = geometry(p);
    const int k = int(p.i("top_k"));
    return attention::pooled_gate_cost(s, dt, g, k, 0) +
           attention::block_sparse_attention_cost(s, dt, g, k);
  };
  v.test_shapes = {
      {{"seq_q", 1}, {"seq_kv", 1}, {"heads_q", 1}, {"heads_kv", 1}, {"head_dim", 8}, {"block", 4}, {"top_k", 1}},
      {{"seq_q", 196}, {"seq_kv", 196}, {"heads_q", 2}, {"heads_kv", 2}, {"head_dim", 32}, {"block", 49}, {"top_k", 2}},
      {{"seq_q", 130}, {"seq_kv", 130}, {"heads_q", 4}, {"heads_kv", 1}, {"head_dim", 16}, {"block", 9}, {"top_k", 5}},
      {{"batch", 2}, {"seq_q", 97}, {"seq_kv", 97}, {"heads_q", 4}, {"heads_kv", 2}, {"block", 16}, {"top_k", 64}},
  };
  return v;
}

}  // namespace moat::variants::attention_biformer
