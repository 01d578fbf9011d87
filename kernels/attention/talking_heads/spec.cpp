// attention.talking_heads — Talking-Heads Attention (Shazeer, Lan, Cheng, Ding & Hou 2020,
// arXiv:2003.02436):
//   L[h]  = scale Q_h K_{kv(h)}^T                        logits per head
//   L'[h] = sum_{h'} P_l[h][h'] L[h']                    mixed across all heads, before softmax
//   W[h]  = softmax(mask(L'[h]))                         per row over visible keys
//   W'[h] = sum_{h'} P_w[h][h'] W[h']                    mixed again, after softmax
//   O_h   = W'[h] V_{kv(h)}
// Simplification: the paper allows different head counts for keys, logits/weights and values;
// here all are heads_q (values by kv head, so GQA shapes run too). P_l, P_w are seeded
// (`mix_seed`): identity + N(0, 0.2 / sqrt(heads_q)). Mixing needs every head's full score row
// at once, so this runs on the materialized score-plane skeleton (one group = all heads).
#include "core/variant.hpp"
#include "kernels/attention/common/score_plane_spec.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_talking_heads {

attention::PlaneGeometry geometry(const Params& p) {
  attention::PlaneGeometry g;
  g.group = int(p.i("heads_q"));
  g.pre_dense = true;
  g.post_mix = true;
  g.causal = p.b("causal");
  return g;
}

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.talking_heads";
  v.family = "attention/score-plane";
  v.summary = "logits mixed across heads before softmax, weights mixed across heads after it";
  v.reference = "Shazeer et al. 2020, Talking-Heads Attention (arXiv:2003.02436)";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("mix_seed", "seed of the two head-mixing matrices", 1, 0, 1 << 30));
  v.params.push_back(bool_param("causal", "mask keys after the query position", true));
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    return attention::score_plane_cost(attention::shape_from(p), dt, geometry(p), true);
  };
  for (auto& sh : attention::edge_shapes()) v.test_shapes.push_back(sh);
  for (auto& sh : attention::edge_shapes({{"causal", false}})) v.test_shapes.push_back(sh);
  v.test_shapes.push_back({{"seq_q", 40}, {"seq_kv", 12}, {"heads_q", 4}, {"heads_kv", 2},
                           {"head_dim", 8}});  // seq_q > seq_kv: first rows see no key
  return v;
}

}  // namespace moat::variants::attention_talking_heads
