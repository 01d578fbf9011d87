#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/layer_instance.hpp"

namespace moat::variants::moe_gshard_top2 {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto cfg = moe::layer_config(req.params, /*renormalize_kept=*/true);
  const int e = cfg.shape.experts;
  return moe::make_routed<moe::SwiGluEpilogue>(
      req, cfg, moe::SoftmaxTopK{true},
      [=](const std::vector<double>& logits) { return moe::softmax_topk_ref(logits, 2, true, e); });
}

}  // namespace moat::variants::moe_gshard_top2
