// attention.hip — HiP-style hierarchical top-k block pruning. One list per query block of
// `block` positions. The candidate key blocks [0, m) (causal: those before the diagonal block)
// are cut into `picks` segments; each level splits every segment into two halves, scores each
// half by its representative key (the half's first key):
//   r(half) = max_{i in query block} q_i . k_first(half)
// and keeps the `picks` best halves (ties: lower start), until segments are single blocks.
// Attention then runs over the kept blocks (+ the diagonal block, always kept when causal).
// Cost: O(picks * log2(m / picks)) representative scores per query block instead of O(m).
// Simplifications (stated): HiP scores halves with the first token of each branch and prunes
// per query block like here, but also runs with sink/window blocks and a different chunk
// schedule per stage; this is the plain hierarchical top-k over key blocks.
#include "core/variant.hpp"
#include "kernels/attention/common/block_sparse_cost.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_hip {

attention::BlockGeometry geometry(const Params& p) {
  const int b = int(p.i("block"));
  return {int(p.i("seq_q")), int(p.i("seq_kv")), b, b, p.b("causal")};
}

// Representative scores per list: levels of at most 2 * picks halves, plus the first level.
Cost selector_cost(const attention::AttentionShape& s, const attention::BlockGeometry& g, int k) {
  double reps = 0, rows_x_reps = 0;
  for (int grp = g.first_group(); grp < g.first_group() + g.groups(); ++grp) {
    const int m = g.candidates(grp), picks = g.picks(grp, k);
    if (m <= picks || picks == 0) continue;
    int levels = 1, len = (m + picks - 1) / picks;
    while (len > 1) {
      len = (len + 1) / 2;
      ++levels;
    }
    const double r = 2.0 * picks * levels;
    reps += r;
    rows_x_reps += r * (g.row_end(grp) - g.row_begin(grp));
  }
  const double heads = double(s.batch) * s.heads_q;
  Cost c;
  c.flops_matrix = 2.0 * heads * rows_x_reps * s.head_dim;
  c.flops_vector = heads * (rows_x_reps + 2.0 * reps);  // max over rows, ranking
  c.bytes_onchip = heads * reps * s.head_dim * 4.0;     // representative keys gathered
  c.bytes_dram = double(s.rows()) * g.list_width(k) * 4.0;
  c.launches = 1;
  return c;
}

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.hip";
  v.family = "attention/block-sparse";
  v.summary = "HiP: hierarchical top-k pruning of key blocks by representative keys, per query block";
  v.reference = "Lee et al. 2024, HiP Attention: Sparse Sub-Quadratic Attention with Hierarchical Attention Pruning";
  v.params = attention::shape_schema();
  v.params.push_back(attention::block_param(64));
  v.params.push_back(attention::top_k_param(16));
  v.params.push_back(bool_param("causal", "mask keys after the query position", true));
  v.validate = attention::validate_block_sparse;
  v.cost = [](const Params& p, DType dt) {
    const auto s = attention::shape_from(p);
    const auto g = geometry(p);
    const int k = int(p.i("top_k"));
    return selector_cost(s, g, k) + attention::block_sparse_attention_cost(s, dt, g, k);
  };
  for (bool causal : {true, false})
    for (auto& sh : attention::edge_shapes({{"block", 8}, {"top_k", 3}, {"causal", causal}}))
      v.test_shapes.push_back(sh);
  v.test_shapes.push_back({{"seq_q", 300}, {"seq_kv", 520}, {"block", 16}, {"top_k", 5},
                           {"heads_q", 2}, {"heads_kv", 1}});
  return v;
}

}  // namespace moat::variants::attention_hip
