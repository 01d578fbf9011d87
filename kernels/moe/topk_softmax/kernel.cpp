#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/layer_instance.hpp"

namespace moat::variants::moe_topk_softmax {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto s = moe::shape_from(req.params);
  const bool renorm = req.params.b("renormalize");
  const int k = s.top_k;
  return std::make_unique<moe::RoutedMoeInstance<moe::SoftmaxTopK, moe::SwiGluEpilogue>>(
      req, s, moe::SoftmaxTopK{renorm},
      [=](const std::vector<double>& logits) { return moe::softmax_topk_ref(logits, k, renorm); });
}

}  // namespace moat::variants::moe_topk_softmax
