// moe.gelu_ffn — softmax top-k router with plain two-matrix GELU experts (GShard/Switch-style):
//   y = sum_{e in S} w_e W2_e gelu(x W1_e).
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_gelu_ffn {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.gelu_ffn";
  v.family = "moe/routed";
  v.summary = "softmax top-k router, non-gated GELU expert FFN gelu(x W1) W2, weighted combine";
  v.reference = "Lepikhin et al. 2020 (GShard); Fedus et al. 2021 (Switch)";
  v.params = moe::shape_schema();
  v.params.push_back(bool_param("renormalize", "renormalize the top-k weights to sum to 1", true));
  for (auto& p : moe::routing_schema()) v.params.push_back(p);
  v.validate = moe::validate_shape;
  v.cost = [](const Params& p, DType dt) { return moe::layer_cost(moe::layer_config(p), dt, false); };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}, {"top_k", 1}},
      {{"tokens", 45}, {"hidden", 40}, {"ffn", 70}, {"experts", 8}, {"top_k", 2}},
      {{"tokens", 19}, {"hidden", 24}, {"ffn", 33}, {"experts", 3}, {"top_k", 3}},
  };
  return v;
}

}  // namespace moat::variants::moe_gelu_ffn
