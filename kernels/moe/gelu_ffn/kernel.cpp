#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/layer_instance.hpp"

namespace moat::variants::moe_gelu_ffn {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto cfg = moe::layer_config(req.params);
  const bool renorm = req.params.b("renormalize");
  const int k = cfg.shape.top_k, e = cfg.shape.experts;
  return moe::make_routed<moe::GeluEpilogue>(req, cfg, moe::SoftmaxTopK{renorm},
                                               [=](const std::vector<double>& logits) {
                                                 return moe::softmax_topk_ref(logits, k, renorm, e);
                                               });
}

}  // namespace moat::variants::moe_gelu_ffn
