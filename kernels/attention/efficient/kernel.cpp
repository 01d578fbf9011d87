#include "kernels/attention/common/linear_softmax_instance.hpp"

namespace moat::variants::attention_efficient {

using namespace attention::linear;

// Logits are the raw features: rho_k over keys per column, rho_q over each query's row.
struct RawFeatures {
  int dim;
  KOKKOS_INLINE_FUNCTION int features() const { return dim; }
  template <class T>
  KOKKOS_INLINE_FUNCTION T key_logit(int, int, const float* k, int f) const { return T(k[f]); }
  template <class T>
  KOKKOS_INLINE_FUNCTION T query_logit(int, int, const float* q, int f) const { return T(q[f]); }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const RawFeatures pol{s.head_dim};
  return std::make_unique<SoftmaxStateInstance<RawFeatures, RawFeatures>>(
      req, s, random_linear_inputs(s, req.dtype, req.seed), pol, pol, int(req.params.i("chunk")),
      is_chunked(req.params));
}

}  // namespace moat::variants::attention_efficient
