#include <cmath>

#include "kernels/attention/common/linear_features.hpp"
#include "kernels/attention/common/linear_instance.hpp"

namespace moat::variants::attention_lightning {

using namespace attention::linear;
using Policy = LinearPolicy<Scaled, Scaled, HeadDecay, false>;

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  auto in = random_linear_inputs(s, req.dtype, req.seed);
  std::vector<float> log_g(std::size_t(s.heads_kv));  // -slope_h
  for (int h = 0; h < s.heads_kv; ++h) log_g[h] = -float(std::pow(2.0, -8.0 * (h + 1) / s.heads_kv));
  auto [host_g, dev_g] = add_array(in, log_g, "lightning_log_decay");
  const Policy dev{{s.head_dim, s.scale}, {s.head_dim, 1.f}, {dev_g}};
  const Policy host{{s.head_dim, s.scale}, {s.head_dim, 1.f}, {host_g}};
  return std::make_unique<LinearInstance<Policy>>(
      req, s, std::move(in), dev, host, int(req.params.i("chunk")),
      is_chunked(req.params) ? LinearMode::chunked : LinearMode::recurrent);
}

}  // namespace moat::variants::attention_lightning
