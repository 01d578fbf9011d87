#include <cmath>

#include "kernels/attention/common/normalizer_instance.hpp"

namespace moat::variants::attention_softplus {

template <bool RowSum>
struct Softplus {
  static constexpr bool kRunningMax = false, kRowSum = RowSum, kTwoPass = false;
  KOKKOS_INLINE_FUNCTION float key(float s) const { return s; }
  // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for large x
  KOKKOS_INLINE_FUNCTION float weight(float s, float, float) const {
    return kx::max(s, 0.f) + kx::log(1.f + kx::exp(-kx::fabs(s)));
  }
  KOKKOS_INLINE_FUNCTION float mass(float s, float m) const { return weight(s, m, 0.f); }
  KOKKOS_INLINE_FUNCTION float out_scale() const { return 1.f; }
};

template <bool RowSum>
std::unique_ptr<KernelInstance> make_for(const InstanceRequest& req) {
  auto host = [](const std::vector<double>& x) {
    std::vector<double> w(x.size());
    double sum = 0;
    for (std::size_t j = 0; j < x.size(); ++j) sum += w[j] = std::log1p(std::exp(x[j]));
    if (RowSum)
      for (auto& e : w) e /= sum;
    return w;
  };
  return std::make_unique<attention::NormalizerInstance<Softplus<RowSum>>>(
      req, attention::shape_from(req.params), Softplus<RowSum>{}, req.params.b("causal"), host);
}

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  return req.params.s("normalize") == "row_sum" ? make_for<true>(req) : make_for<false>(req);
}

}  // namespace moat::variants::attention_softplus
