#include <cmath>

#include "kernels/attention/common/linear_features.hpp"
#include "kernels/attention/common/linear_instance.hpp"

namespace moat::variants::attention_hedgehog {

using namespace attention::linear;
using Policy = LinearPolicy<HedgehogMlp, HedgehogMlp, NoDecay, true>;

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const int hidden = int(req.params.i("feature_dim"));
  auto in = random_linear_inputs(s, req.dtype, req.seed);
  auto [host_w, dev_w] = add_array(
      in, random_values(std::int64_t(s.heads_kv) * s.head_dim * hidden, req.dtype, req.seed * 5 + 7,
                        1.0 / std::sqrt(double(s.head_dim))),
      "hedgehog_w");
  const Policy dev{{s.head_dim, hidden, dev_w}, {s.head_dim, hidden, dev_w}, {}};
  const Policy host{{s.head_dim, hidden, host_w}, {s.head_dim, hidden, host_w}, {}};
  return std::make_unique<LinearInstance<Policy>>(
      req, s, std::move(in), dev, host, int(req.params.i("chunk")),
      is_chunked(req.params) ? LinearMode::chunked : LinearMode::recurrent);
}

}  // namespace moat::variants::attention_hedgehog
