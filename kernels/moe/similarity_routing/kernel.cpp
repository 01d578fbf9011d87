#include "kernels/moe/common/token_mixing.hpp"

namespace moat::variants::moe_similarity_routing {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto cfg = moe::layer_config(req.params);
  return moe::make_token_mixing(req, cfg, /*d_attn=*/0, 1.0 / req.params.r("temperature"),
                                req.params.b("renormalize"));
}

}  // namespace moat::variants::moe_similarity_routing
