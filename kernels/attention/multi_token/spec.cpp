// attention.multi_token — Multi-Token Attention (Golovneva, Wang, Weston & Sukhbaatar 2025,
// arXiv:2504.00927; reference code facebookresearch/RAM projects/mta):
//   key-query convolution, pre-softmax, per head (kernel cq x ck, ck odd):
//     S0 = Mask_0(scale Q K^T)       (masked cells set to 0 before the convolution)
//     S[i][j] = sum_{a < cq, c < ck} theta[a][c] * S0[i - (cq-1) + a][j - (ck-1)/2 + c]
//     A = softmax(Mask_-inf(S))      (masked again after it)
//   head mixing, post-softmax, within groups of ch heads: A'[h] = sum_{h'} M[h][h'] A[h']
//   O = A' V
// This is the mask-before-and-after form of the reference code (queries: past only; keys:
// padded on both sides). Kernels are seeded (`mix_seed`): identity + N(0, 0.1), close to the
// paper's identity initialization. Simplifications: ch = 1 means no head mixing; the paper's
// group normalization with depth scaling is not included; queries before the first one of the
// problem are zero padding, so a decode step (seq_q = 1) does not see the previous queries' scores
// that a KV cache of queries would give (the reference code caches queries for that).
// Defaults cq = 6, ck = 11, ch = 2: the paper's configuration.
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/score_plane_spec.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_multi_token {

attention::PlaneGeometry geometry(const Params& p) {
  attention::PlaneGeometry g;
  g.group = int(p.i("ch"));
  g.cq = int(p.i("cq"));
  g.ck = int(p.i("ck"));
  g.pre_dense = false;
  g.post_mix = g.group > 1;
  g.causal = p.b("causal");
  return g;
}

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.multi_token";
  v.family = "attention/score-plane";
  v.summary = "softmax of a cq x ck convolution of the (masked) score plane, then head mixing in groups of ch";
  v.reference = "Golovneva et al. 2025, Multi-Token Attention (arXiv:2504.00927)";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("cq", "key-query convolution extent over queries (past)", 6, 1, 64));
  v.params.push_back(int_param("ck", "key-query convolution extent over keys (odd, centred)", 11, 1, 129));
  v.params.push_back(int_param("ch", "heads per head-mixing group (1: no head mixing)", 2, 1, 1024));
  v.params.push_back(int_param("mix_seed", "seed of the convolution and head-mixing weights", 1, 0, 1 << 30));
  v.params.push_back(bool_param("causal", "mask keys after the query position", true));
  v.validate = [](const Params& p) {
    attention::validate_shape(p);
    if (p.i("ck") % 2 == 0) throw Error("ck (" + std::to_string(p.i("ck")) + ") must be odd: the key window is centred");
    if (p.i("heads_q") % p.i("ch") != 0)
      throw Error("heads_q (" + std::to_string(p.i("heads_q")) + ") must be a multiple of ch (" +
                  std::to_string(p.i("ch")) + ")");
  };
  v.cost = [](const Params& p, DType dt) {
    return attention::score_plane_cost(attention::shape_from(p), dt, geometry(p), false);
  };
  using attention::with;
  const attention::ShapeValues small = {{"cq", 3}, {"ck", 5}, {"ch", 2}};
  v.test_shapes = {
      with(small, {{"seq_q", 1}, {"seq_kv", 1}, {"heads_q", 2}, {"heads_kv", 1}, {"head_dim", 8}}),
      with(small, {{"seq_q", 1}, {"seq_kv", 77}, {"heads_q", 4}, {"heads_kv", 1}}),
      with(small, {{"seq_q", 45}, {"seq_kv", 45}, {"heads_q", 6}, {"heads_kv", 2}, {"head_dim", 24}}),
      with(small, {{"seq_q", 37}, {"seq_kv", 70}, {"heads_q", 4}, {"heads_kv", 4}, {"head_dim", 16},
                   {"value_dim", 8}, {"causal", false}}),
      {{"batch", 2}, {"seq_q", 33}, {"seq_kv", 33}, {"heads_q", 4}, {"heads_kv", 2}, {"head_dim", 16}},
      with(small, {{"seq_q", 40}, {"seq_kv", 12}, {"heads_q", 2}, {"heads_kv", 1}, {"head_dim", 8}}),
      {{"seq_q", 20}, {"seq_kv", 20}, {"heads_q", 3}, {"heads_kv", 3}, {"cq", 1}, {"ck", 1}, {"ch", 1}},
      {{"seq_q", 50}, {"seq_kv", 50}, {"heads_q", 4}, {"heads_kv", 1}, {"cq", 4}, {"ck", 7}, {"ch", 4},
       {"mix_seed", 9}},
  };
  return v;
}

}  // namespace moat::variants::attention_multi_token
