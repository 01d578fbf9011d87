#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/layer_instance.hpp"

namespace moat::variants::moe_switch_top1 {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto cfg = moe::layer_config(req.params, /*renormalize_kept=*/false);
  const int e = cfg.shape.experts;
  return moe::make_routed<moe::SwiGluEpilogue>(
      req, cfg, moe::SoftmaxTopK{false},
      [=](const std::vector<double>& logits) { return moe::softmax_topk_ref(logits, 1, false, e); });
}

}  // namespace moat::variants::moe_switch_top1
