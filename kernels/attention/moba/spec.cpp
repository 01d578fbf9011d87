// attention.moba — MoBA, Mixture of Block Attention (causal). Keys are cut into blocks of `block`
// tokens; each query token at position p scores the blocks that end before its own block by
//   s_c = q . mean(K[c*block, (c+1)*block))           (per query head; K of its KV head)
// keeps the top (top_k - 1) of them (ties: lower block), always adds its current block p / block,
// and attends with softmax over the keys of those blocks, causal inside the current block:
//   O_i = sum_{j in sel(i), j <= p} softmax_j(scale q_i . k_j) v_j.
// As in the paper the gate is parameter-free; selection is per query head (MoBA shares it over
// nothing else either). Kernel: pool K, gate + top-k per token, then the block-sparse flash pass.
#include "core/variant.hpp"
#include "kernels/attention/common/block_sparse_cost.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_moba {

attention::BlockGeometry geometry(const Params& p) {
  return {int(p.i("seq_q")), int(p.i("seq_kv")), int(p.i("block")), 1, true};
}

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.moba";
  v.family = "attention/block-sparse";
  v.summary = "MoBA: per-token top-k over mean-pooled key blocks + current block, causal";
  v.reference = "Lu et al. 2025, MoBA: Mixture of Block Attention for Long-Context LLMs";
  v.params = attention::shape_schema();
  v.params.push_back(attention::block_param(512));
  v.params.push_back(attention::top_k_param(3));
  v.validate = attention::validate_block_sparse;
  v.cost = [](const Params& p, DType dt) {
    const auto s = attention::shape_from(p);
    const auto g = geometry(p);
    const int k = int(p.i("top_k"));
    return attention::pooled_gate_cost(s, dt, g, k, 0) +
           attention::block_sparse_attention_cost(s, dt, g, k);
  };
  v.test_shapes = attention::edge_shapes({{"block", 16}, {"top_k", 3}});
  v.test_shapes.push_back({{"seq_q", 300}, {"seq_kv", 300}, {"block", 40}, {"top_k", 2},
                           {"heads_q", 4}, {"heads_kv", 2}});
  v.test_shapes.push_back({{"seq_q", 100}, {"seq_kv", 260}, {"block", 128}, {"top_k", 64}});
  return v;
}

}  // namespace moat::variants::attention_moba
