#include "kernels/attention/common/causal_mask.hpp"
#include "kernels/attention/common/host_mask.hpp"
#include "kernels/attention/common/softmax_instance.hpp"

namespace moat::variants::attention_gated_output {

struct GatedCausal : attention::CausalOrFull {
  View4<const float> gate;  // [b][hq][seq_q][value_dim or 1] gate logits
  bool headwise;
  KOKKOS_INLINE_FUNCTION float finish(int b, int h, int i, int d, float o) const {
    const float g = gate(b, h, i, headwise ? 0 : d);
    return o / (1.f + kx::exp(-g));
  }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const bool causal = req.params.b("causal"), headwise = req.params.s("gate") == "headwise";
  const int width = headwise ? 1 : s.value_dim;
  auto g = random_values(std::int64_t(s.batch) * s.heads_q * s.seq_q * width, req.dtype,
                         req.seed * 3 + 7, 2.0);
  View4<float> gd("gate_logits", s.batch, s.heads_q, s.seq_q, width);
  upload(gd, g);
  const auto mask = attention::CausalOrFull::of(s, causal);
  GatedCausal p{mask, gd, headwise};
  attention::HostMask host = attention::host_mask_of(mask);
  host.finish = [=, s = s](int b, int h, int i, int d, double o) {
    const double x = g[((std::size_t(b) * s.heads_q + h) * s.seq_q + i) * width + (headwise ? 0 : d)];
    return o / (1.0 + std::exp(-x));
  };
  return std::make_unique<attention::SoftmaxAttentionInstance<GatedCausal>>(req, s, p, host);
}

}  // namespace moat::variants::attention_gated_output
