// moe.moeut — the MLP half of MoEUT (Csordas, Irie, Schmidhuber, Potts, Manning 2024, "MoEUT:
// Mixture-of-Experts Universal Transformers", arXiv:2405.16039). A MoEUT stack is a group of G
// distinct layers applied R times with the same weights (layer l uses group position l mod G).
// Implemented: one run of the residual stream through the group, `repeats` times, MLP only
// (no attention), each layer a sigma-MoE with peri-layernorm (LayerNorm only on the router input,
// the experts and the residual see the un-normalized stream):
//   for r < R, for g < G:  s_g = sigmoid(LN(h) W_r,g);  S = top-k(s_g)
//                          h <- h + sum_{e in S} s_g,e W2_g,e relu(h W1_g,e)
//   y = h  (the residual stream after G R layer applications)
// LayerNorm without affine parameters (eps 1e-5). The G layers' weights are distinct; repeats
// reuse them (the universal-transformer sharing that makes MoEUT parameter-efficient). Expert
// dropout and the entropy regularizer are training-only and not part of the layer.
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_moeut {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.moeut";
  v.family = "moe/routed";
  v.summary = "G shared sigma-MoE layers (LN on router input only, residual) applied R times";
  v.reference = "Csordas et al. 2024 (MoEUT), arXiv:2405.16039";
  v.params = moe::shape_schema();
  v.params.push_back(int_param("group_size", "distinct layers in the group (G)", 2, 1, 64));
  v.params.push_back(int_param("repeats", "applications of the group with shared weights (R)", 1, 1, 64));
  v.validate = moe::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    moe::LayerConfig cfg = moe::layer_config(p);
    const double layers = double(p.i("group_size")) * p.i("repeats");
    const double t = cfg.shape.tokens, d = cfg.shape.hidden, b = bytes_of(dt);
    Cost one = moe::layer_cost(cfg, dt, /*gated=*/false);
    one.flops_vector += t * d * 7.0;  // LayerNorm (mean, variance, normalize) + residual add
    one.special_ops += t;             // rsqrt per token
    one.bytes_dram += t * d * 4.0 * b;  // LN read / write, residual read / write
    one.launches += 2;
    Cost c;
    for (int l = 0; l < int(layers); ++l) c += one;
    return c;
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}, {"top_k", 1}},
      {{"tokens", 37}, {"hidden", 40}, {"ffn", 30}, {"experts", 16}, {"top_k", 4}},
      {{"tokens", 19}, {"hidden", 24}, {"ffn", 33}, {"experts", 3}, {"top_k", 3},
       {"group_size", 3}, {"repeats", 2}},
      {{"tokens", 25}, {"hidden", 16}, {"ffn", 20}, {"experts", 1}, {"top_k", 1},
       {"group_size", 1}, {"repeats", 3}},
  };
  return v;
}

}  // namespace moat::variants::moe_moeut
