#include "kernels/attention/common/causal_mask.hpp"
#include "kernels/attention/common/host_mask.hpp"
#include "kernels/attention/common/softmax_instance.hpp"
#include "kernels/attention/common/tables.hpp"

namespace moat::variants::attention_sink_logit {

struct CausalWithSink : attention::CausalOrFull {
  View1<const float> sinks;  // [heads_q]
  KOKKOS_INLINE_FUNCTION float sink_logit(int, int h) const { return sinks(h); }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const bool causal = req.params.b("causal");
  auto sinks = random_values(s.heads_q, DType::fp32, 0x5171, 1.0);  // fixed "learned" values
  const auto mask = attention::CausalOrFull::of(s, causal);
  CausalWithSink p{mask, attention::to_device(sinks, "sink_logits")};
  attention::HostMask host = attention::host_mask_of(mask);
  host.sink = [=](int, int h) { return double(sinks[h]); };
  return std::make_unique<attention::SoftmaxAttentionInstance<CausalWithSink>>(req, s, p, host);
}

}  // namespace moat::variants::attention_sink_logit
