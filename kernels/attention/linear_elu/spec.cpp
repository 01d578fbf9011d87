// attention.linear_elu — causal linear attention with the elu + 1 feature map:
//   phi(x) = elu(x) + 1,  o_t = phi(q_t)^T S_t / phi(q_t)^T z_t,
//   S_t = S_{t-1} + phi(k_t) v_t^T,  z_t = z_{t-1} + phi(k_t).
// mode = chunked (parallel prefill form) or recurrent (decode form); both share S and z.
#include "core/variant.hpp"
#include "kernels/attention/common/linear_spec.hpp"

namespace moat::variants::attention_linear_elu {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.linear_elu";
  v.family = "attention/linear";
  v.summary = "causal linear attention, phi = elu + 1, normalized; chunked or recurrent form";
  v.reference = "Katharopoulos et al. 2020, Transformers are RNNs: Fast Autoregressive Transformers with Linear Attention";
  v.params = attention::shape_schema();
  for (auto& p : attention::linear::mode_schema()) v.params.push_back(p);
  v.validate = attention::linear::validate_causal;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    return attention::linear::linear_cost({s, dt, s.head_dim, 2.0 * s.head_dim, double(s.head_dim), 0,
                                           true, attention::linear::is_chunked(p), int(p.i("chunk"))});
  };
  v.test_shapes = attention::linear::test_shapes();
  return v;
}

}  // namespace moat::variants::attention_linear_elu
