#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/layer_instance.hpp"
#include "kernels/moe/common/sigmoid_topk.hpp"

namespace moat::variants::moe_sigma_moe {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto cfg = moe::layer_config(req.params);
  const int k = cfg.shape.top_k, e = cfg.shape.experts;
  return moe::make_routed<moe::ReluEpilogue>(
      req, cfg, moe::SigmoidTopK{},
      [=](const std::vector<double>& logits) { return moe::sigmoid_topk_ref(logits, e, k); });
}

}  // namespace moat::variants::moe_sigma_moe
