#include <cmath>

#include "kernels/attention/common/normalizer_instance.hpp"

namespace moat::variants::attention_sigmoid {

struct Sigmoid {
  float bias;  // -log(seq_kv)
  static constexpr bool kRunningMax = false, kRowSum = false, kTwoPass = false;
  KOKKOS_INLINE_FUNCTION float key(float s) const { return s; }
  KOKKOS_INLINE_FUNCTION float weight(float s, float, float) const {
    return 1.f / (1.f + kx::exp(-(s + bias)));
  }
  KOKKOS_INLINE_FUNCTION float mass(float, float) const { return 0.f; }
  KOKKOS_INLINE_FUNCTION float out_scale() const { return 1.f; }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto s = attention::shape_from(req.params);
  const double bias = -std::log(double(s.seq_kv));
  auto host = [bias](const std::vector<double>& x) {
    std::vector<double> w(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) w[j] = 1.0 / (1.0 + std::exp(-(x[j] + bias)));
    return w;
  };
  return std::make_unique<attention::NormalizerInstance<Sigmoid>>(
      req, s, Sigmoid{float(bias)}, req.params.b("causal"), host);
}

}  // namespace moat::variants::attention_sigmoid
