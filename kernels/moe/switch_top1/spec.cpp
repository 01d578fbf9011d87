// moe.switch_top1 — Switch Transformer routing (Fedus et al. 2021): p = softmax(x W_r), one expert
// e = argmax p with weight p_e (not renormalized); expert capacity
// C = ceil(capacity_factor * tokens / experts); tokens beyond C for their expert (token order)
// are dropped: zero layer output, the residual carries them. drop_tokens = false: no capacity.
// SwiGLU experts (the original used ReLU FFNs; the expert is the pipeline's shared one).
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_switch_top1 {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.switch_top1";
  v.family = "moe/routed";
  v.summary = "softmax router, top-1 with weight p_e, per-expert capacity with token dropping";
  v.reference = "Fedus et al. 2021 (Switch Transformers), arXiv:2101.03961";
  v.params = moe::shape_schema();
  v.params[4].default_value = std::int64_t(1);
  for (auto& p : moe::capacity_schema(1.25)) v.params.push_back(p);
  for (auto& p : moe::routing_schema()) v.params.push_back(p);
  v.validate = [](const Params& p) {
    moe::validate_shape(p);
    if (p.i("top_k") != 1) throw Error("moe.switch_top1 routes each token to one expert: top_k must be 1");
  };
  v.cost = [](const Params& p, DType dt) { return moe::layer_cost(moe::layer_config(p), dt, true); };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}},
      {{"tokens", 64}, {"hidden", 24}, {"ffn", 40}, {"experts", 8}, {"capacity_factor", 0.5}},
      {{"tokens", 30}, {"hidden", 16}, {"ffn", 20}, {"experts", 1}, {"capacity_factor", 0.3}},
      {{"tokens", 33}, {"hidden", 16}, {"ffn", 20}, {"experts", 4}, {"drop_tokens", false}},
  };
  return v;
}

}  // namespace moat::variants::moe_switch_top1
