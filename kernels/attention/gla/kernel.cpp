#include <cmath>

#include "kernels/attention/common/linear_features.hpp"
#include "kernels/attention/common/linear_instance.hpp"

namespace moat::variants::attention_gla {

using namespace attention::linear;
using Policy = LinearPolicy<Scaled, Scaled, GateDecay, false>;

// GLA's gate temperature: alpha = sigmoid(z)^(1/16).
constexpr double kGateTemperature = 16.0;

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  auto in = random_linear_inputs(s, req.dtype, req.seed);
  std::vector<float> log_g = random_values(std::int64_t(s.batch) * s.heads_kv * s.seq_kv * s.head_dim,
                                           DType::fp32, req.seed * 5 + 4);
  for (auto& x : log_g) x = float(-std::log1p(std::exp(-double(x))) / kGateTemperature);
  auto [host_g, dev_g] = add_array(in, log_g, "gla_log_gates");
  const Policy dev{{s.head_dim, s.scale}, {s.head_dim, 1.f}, {dev_g, s.heads_kv, s.seq_kv, s.head_dim}};
  const Policy host{{s.head_dim, s.scale}, {s.head_dim, 1.f}, {host_g, s.heads_kv, s.seq_kv, s.head_dim}};
  return std::make_unique<LinearInstance<Policy>>(
      req, s, std::move(in), dev, host, int(req.params.i("chunk")),
      is_chunked(req.params) ? LinearMode::chunked : LinearMode::recurrent);
}

}  // namespace moat::variants::attention_gla
