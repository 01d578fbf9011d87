// attention.gla — Gated Linear Attention: causal, unnormalized, with data-dependent per-feature
// forget gates alpha_t in (0, 1)^d_k:
//   S_t = diag(alpha_t) S_{t-1} + k_t v_t^T,   o_t = (q_t / sqrt(d_k))^T S_t.
// The gates are an input in log space (as flash-linear-attention's chunk_gla `g`): here
// log alpha = logsigmoid(z) / 16 with z ~ N(0, 1) seeded, GLA's gate with temperature 16. The
// chunked form uses e^{L_t - L_s} with L the in-chunk cumulative log gate (exponents <= 0), as
// GLA's secondary-chunking-free formulation.
#include "core/variant.hpp"
#include "kernels/attention/common/linear_spec.hpp"

namespace moat::variants::attention_gla {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.gla";
  v.family = "attention/linear";
  v.summary = "gated linear attention: per-feature data-dependent decay gates, unnormalized; chunked or recurrent";
  v.reference = "Yang et al. 2024, Gated Linear Attention Transformers with Hardware-Efficient Training";
  v.params = attention::shape_schema();
  for (auto& p : attention::linear::mode_schema()) v.params.push_back(p);
  v.validate = attention::linear::validate_causal;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    return attention::linear::linear_cost({s, dt, s.head_dim, 0.5 * s.head_dim, 0, 2, false,
                                           attention::linear::is_chunked(p), int(p.i("chunk"))});
  };
  v.test_shapes = attention::linear::test_shapes();
  return v;
}

}  // namespace moat::variants::attention_gla
