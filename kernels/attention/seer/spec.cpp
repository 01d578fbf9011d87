// attention.seer — SeerAttention-style learned block gate. Queries are grouped into blocks of
// `block` positions (one list per query block); the gate mean-pools each query block and each
// key block, projects them, and scores every candidate key block:
//   s(g, c) = (W_q^T mean(Q_g)) . (W_k^T mean(K_c)),   W_q, W_k in R^{head_dim x gate_dim}
// keeping the top_k blocks (ties: lower block). Causal: the diagonal block is always kept and
// the gate ranks the blocks before it; attention is then causal inside the selected blocks.
// Simplifications (stated): W_q, W_k are deterministic seeded weights (the paper trains them by
// self-distillation), shared by all heads; K pooling is the mean only (the paper concatenates
// avg/max/min pooling); selection by top-k, not by the paper's optional score threshold.
#include "core/variant.hpp"
#include "kernels/attention/common/block_sparse_cost.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_seer {

attention::BlockGeometry geometry(const Params& p) {
  const int b = int(p.i("block"));
  return {int(p.i("seq_q")), int(p.i("seq_kv")), b, b, p.b("causal")};
}

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.seer";
  v.family = "attention/block-sparse";
  v.summary = "SeerAttention: pooled-Q x pooled-K gate (seeded projection), top-k key blocks per query block";
  v.reference = "Gao et al. 2024, SeerAttention: Learning Intrinsic Sparse Attention in Your LLMs";
  v.params = attention::shape_schema();
  v.params.push_back(attention::block_param(64));
  v.params.push_back(attention::top_k_param(8));
  v.params.push_back(int_param("gate_dim", "gate projection width", 128, 1, 4096));
  v.params.push_back(bool_param("causal", "mask keys after the query position", true));
  v.validate = attention::validate_block_sparse;
  v.cost = [](const Params& p, DType dt) {
    const auto s = attention::shape_from(p);
    const auto g = geometry(p);
    const int k = int(p.i("top_k"));
    return attention::pooled_gate_cost(s, dt, g, k, int(p.i("gate_dim"))) +
           attention::block_sparse_attention_cost(s, dt, g, k);
  };
  for (bool causal : {true, false})
    for (auto& sh : attention::edge_shapes({{"block", 16}, {"top_k", 2}, {"gate_dim", 8}, {"causal", causal}}))
      v.test_shapes.push_back(sh);
  v.test_shapes.push_back({{"seq_q", 256}, {"seq_kv", 320}, {"block", 32}, {"top_k", 4},
                           {"gate_dim", 16}, {"heads_q", 4}, {"heads_kv", 1}});
  return v;
}

}  // namespace moat::variants::attention_seer
