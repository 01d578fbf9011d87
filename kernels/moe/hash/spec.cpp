// moe.hash — Hash Layers (Roller et al. 2021, arXiv:2106.04426): a fixed hash of the token's
// vocabulary id picks its one expert, no learned router, weight 1:
//   e(t) = h(id_t) mod E,  y = FFN_e(x)   with h the splitmix64 finalizer (a "random hash").
// Token ids are drawn uniformly from [0, vocab) (seeded); SwiGLU experts.
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_hash {

VariantSpec spec() {
  VariantSpec v;
  v.name = "moe.hash";
  v.family = "moe/routed";
  v.summary = "expert = hash(token id) mod experts, weight 1, no router GEMM";
  v.reference = "Roller et al. 2021 (Hash Layers), arXiv:2106.04426";
  v.params = moe::shape_schema();
  v.params[4].default_value = std::int64_t(1);
  v.params.push_back(int_param("vocab", "vocabulary size token ids are drawn from", 32000, 1));
  v.validate = [](const Params& p) {
    moe::validate_shape(p);
    if (p.i("top_k") != 1) throw Error("hash routing sends each token to one expert: top_k must be 1");
  };
  v.cost = [](const Params& p, DType dt) {
    auto cfg = moe::layer_config(p);
    Cost c = moe::layer_cost(cfg, dt, true);
    const Cost router = moe::router_cost(cfg.shape, dt);  // replaced by one hash per token
    c.flops_matrix -= router.flops_matrix;
    c.flops_vector += 8.0 * cfg.shape.tokens - router.flops_vector;
    c.special_ops -= router.special_ops;
    c.bytes_dram -= router.bytes_dram - double(cfg.shape.tokens) * 12.0;
    return c;
  };
  v.test_shapes = {
      {{"tokens", 1}, {"hidden", 16}, {"ffn", 24}, {"experts", 4}},
      {{"tokens", 70}, {"hidden", 24}, {"ffn", 40}, {"experts", 8}},
      {{"tokens", 25}, {"hidden", 16}, {"ffn", 20}, {"experts", 1}},  // all tokens to one expert
  };
  return v;
}

}  // namespace moat::variants::moe_hash
