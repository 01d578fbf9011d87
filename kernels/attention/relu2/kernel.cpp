#include "kernels/attention/common/normalizer_instance.hpp"

namespace moat::variants::attention_relu2 {

template <bool RowSum>
struct Relu2 {
  float scale_out;  // 1 / seq_kv for "length", else 1
  static constexpr bool kRunningMax = false, kRowSum = RowSum, kTwoPass = false;
  KOKKOS_INLINE_FUNCTION float key(float s) const { return s; }
  KOKKOS_INLINE_FUNCTION float weight(float s, float, float) const {
    const float r = kx::max(s, 0.f);
    return r * r;
  }
  KOKKOS_INLINE_FUNCTION float mass(float s, float m) const { return weight(s, m, 0.f); }
  KOKKOS_INLINE_FUNCTION float out_scale() const { return scale_out; }
};

template <bool RowSum>
std::unique_ptr<KernelInstance> make_for(const InstanceRequest& req, double scale_out) {
  auto host = [scale_out](const std::vector<double>& x) {
    std::vector<double> w(x.size());
    double sum = 0;
    for (std::size_t j = 0; j < x.size(); ++j) sum += w[j] = x[j] > 0 ? x[j] * x[j] : 0.0;
    for (auto& e : w) e = RowSum ? (sum > 0 ? e / sum : 0.0) : e * scale_out;
    return w;
  };
  return std::make_unique<attention::NormalizerInstance<Relu2<RowSum>>>(
      req, attention::shape_from(req.params), Relu2<RowSum>{float(scale_out)},
      req.params.b("causal"), host);
}

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const std::string& n = req.params.s("normalize");
  if (n == "row_sum") return make_for<true>(req, 1.0);
  return make_for<false>(req, n == "length" ? 1.0 / double(req.params.i("seq_kv")) : 1.0);
}

}  // namespace moat::variants::attention_relu2
