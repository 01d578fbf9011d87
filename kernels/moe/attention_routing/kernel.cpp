#include <cmath>

#include "kernels/moe/common/token_mixing.hpp"

namespace moat::variants::moe_attention_routing {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto cfg = moe::layer_config(req.params);
  const int d = int(req.params.i("d_attn"));
  return moe::make_token_mixing(req, cfg, d, 1.0 / std::sqrt(double(d)),
                                req.params.b("renormalize"));
}

}  // namespace moat::variants::moe_attention_routing
