#include "kernels/attention/common/causal_mask.hpp"
#include "kernels/attention/common/host_mask.hpp"

namespace moat::variants::attention_dense {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto s = attention::shape_from(req.params);
  const auto mask = attention::CausalOrFull::of(s, req.params.b("causal"));
  return attention::make_softmax_attention(req, s, mask, attention::host_mask_of(mask));
}

}  // namespace moat::variants::attention_dense
