// attention.hedgehog — causal linear attention with Hedgehog's learnable softmax feature map:
//   phi(x) = [softmax(x W), softmax(-x W)]  (2 * feature_dim features),  normalized:
//   o_t = sum_{s<=t} phi(q_t).phi(k_s) v_s / sum_{s<=t} phi(q_t).phi(k_s).
// W [head_dim][feature_dim] per KV head, shared by queries and keys, is trained in Hedgehog to
// mimic softmax attention; here it is fixed and seeded (N(0, 1/head_dim)), bias omitted: the
// kernel's work does not depend on the trained values.
#include "core/variant.hpp"
#include "kernels/attention/common/linear_spec.hpp"

namespace moat::variants::attention_hedgehog {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.hedgehog";
  v.family = "attention/linear";
  v.summary = "linear attention with an MLP + softmax feature map [softmax(xW), softmax(-xW)], normalized";
  v.reference = "Zhang et al. 2024, The Hedgehog & the Porcupine: Expressive Linear Attentions with Softmax Mimicry";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("feature_dim", "MLP outputs per sign (features = 2 x feature_dim)", 64, 1, 1024));
  for (auto& p : attention::linear::mode_schema()) v.params.push_back(p);
  v.validate = attention::linear::validate_causal;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    const double f = double(p.i("feature_dim"));
    return attention::linear::linear_cost({s, dt, int(2 * f), 2.0 * s.head_dim * f + 6.0 * f, 2.0 * f, 0,
                                           true, attention::linear::is_chunked(p), int(p.i("chunk"))});
  };
  v.test_shapes = attention::linear::test_shapes({{"feature_dim", 8}});
  v.test_shapes.push_back({{"seq_q", 40}, {"seq_kv", 100}, {"feature_dim", 33}, {"heads_q", 2},
                           {"heads_kv", 2}, {"head_dim", 16}, {"chunk", 24}});
  return v;
}

}  // namespace moat::variants::attention_hedgehog
