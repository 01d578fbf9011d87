// moe.gshard_top2 — GShard top-2 gating (Lepikhin et al. 2020) as in DeepSpeed's top2gating
// (deepspeed/moe/sharded_moe.py): p = softmax(x W_r); the two largest experts e1, e2;
// capacity C = ceil(capacity_factor * 2 * tokens / experts); all first choices claim capacity in
// token order before any second choice; assignments beyond C are dropped (zero contribution:
// residual pass-through) and the kept weights are renormalized: w_i = p_ei / sum_{kept} p.
// drop_tokens = false is the no-drop mode (w = p_e / (p_e1 + p_e2)). GShard's random dispatch of
// the second expert is not modelled (deterministic). SwiGLU experts.
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_gshard_top2 {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.gshard_top2";
  v.family = "moe/routed";
  v.summary = "softmax router, top-2, capacity with first-choice priority, kept weights renormalized";
  v.reference = "Lepikhin et al. 2020 (GShard), arXiv:2006.16668; DeepSpeed top2gating";
  v.params = moe::shape_schema();
  for (auto& p : moe::capacity_schema(1.0)) v.params.push_back(p);
  for (auto& p : moe::routing_schema()) v.params.push_back(p);
  v.validate = [](const Params& p) {
    moe::validate_shape(p);
    if (p.i("top_k") != 2) throw Error("moe.gshard_top2 is top-2 gating: top_k must be 2");
  };
  v.cost = [](const Params& p, DType dt) { return moe::layer_cost(moe::layer_config(p), dt, true); };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}},
      {{"tokens", 64}, {"hidden", 24}, {"ffn", 40}, {"experts", 8}, {"capacity_factor", 0.5}},
      {{"tokens", 30}, {"hidden", 16}, {"ffn", 20}, {"experts", 2}, {"capacity_factor", 0.6}},  // k = E
      {{"tokens", 33}, {"hidden", 16}, {"ffn", 20}, {"experts", 4}, {"drop_tokens", false}},
      {{"tokens", 40}, {"hidden", 16}, {"ffn", 20}, {"experts", 8}, {"routing", "zipf"},
       {"zipf_s", 2.0}},
  };
  return v;
}

}  // namespace moat::variants::moe_gshard_top2
