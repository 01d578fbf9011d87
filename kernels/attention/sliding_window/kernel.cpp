#include "kernels/attention/common/host_mask.hpp"
#include "kernels/attention/sliding_window/policy.hpp"

namespace moat::variants::attention_sliding_window {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  attention::SlidingWindow p{s.seq_kv, s.seq_kv - s.seq_q, int(req.params.i("window")),
                             req.params.b("causal")};
  return std::make_unique<attention::SoftmaxAttentionInstance<attention::SlidingWindow>>(
      req, s, p, attention::host_mask_of(p));
}

}  // namespace moat::variants::attention_sliding_window
