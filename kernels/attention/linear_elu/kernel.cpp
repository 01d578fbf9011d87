#include "kernels/attention/common/linear_features.hpp"
#include "kernels/attention/common/linear_instance.hpp"

namespace moat::variants::attention_linear_elu {

using namespace attention::linear;
using Policy = LinearPolicy<EluPlusOne, EluPlusOne, NoDecay, true>;

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const Policy pol{{s.head_dim}, {s.head_dim}, {}};
  return std::make_unique<LinearInstance<Policy>>(
      req, s, random_linear_inputs(s, req.dtype, req.seed), pol, pol, int(req.params.i("chunk")),
      is_chunked(req.params) ? LinearMode::chunked : LinearMode::recurrent);
}

}  // namespace moat::variants::attention_linear_elu
