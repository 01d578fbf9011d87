#include "kernels/attention/common/causal_mask.hpp"
#include "kernels/attention/common/host_mask.hpp"

namespace moat::variants::attention_mla {

attention::AttentionShape mla_shape(const Params& p);  // spec.cpp

// Causal over one latent KV head; values are the first kv_lora_rank columns of the key rows.
struct LatentCausal : attention::CausalOrFull {
  static constexpr bool kValuesFromKeys = true;
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = mla_shape(req.params);
  LatentCausal p{attention::CausalOrFull::of(s, req.params.b("causal"))};
  return attention::make_softmax_attention(req, s, p, attention::host_mask_of(p));
}

}  // namespace moat::variants::attention_mla
