#include <algorithm>
#include <cmath>

#include "kernels/attention/clipped_softmax/clipped.hpp"
#include "kernels/attention/common/normalizer_instance.hpp"

namespace moat::variants::attention_clipped_softmax {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const double zeta = req.params.r("zeta"), gamma = req.params.r("gamma");
  auto host = [=](const std::vector<double>& x) {
    const double m = *std::max_element(x.begin(), x.end());
    double sum = 0;
    for (double e : x) sum += std::exp(e - m);
    std::vector<double> w(x.size());
    for (std::size_t j = 0; j < x.size(); ++j)
      w[j] = std::clamp((zeta - gamma) * std::exp(x[j] - m) / sum + gamma, 0.0, 1.0);
    return w;
  };
  return std::make_unique<attention::NormalizerInstance<Clipped>>(
      req, attention::shape_from(req.params), Clipped{float(zeta - gamma), float(gamma)},
      req.params.b("causal"), host);
}

}  // namespace moat::variants::attention_clipped_softmax
