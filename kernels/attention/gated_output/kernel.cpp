#include "kernels/attention/common/softmax_instance.hpp"

namespace moat::variants::attention_gated_output {

struct GatedCausal {
  View4<const float> gate;  // [b][hq][seq_q][value_dim or 1] gate logits
  int seq_kv, offset;
  bool causal, headwise;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return causal ? kx::min(seq_kv, i + offset + 1) : seq_kv;
  }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    return !causal || j <= i + offset;
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
  KOKKOS_INLINE_FUNCTION float finish(int b, int h, int i, int d, float o) const {
    const float g = gate(b, h, i, headwise ? 0 : d);
    return o / (1.f + kx::exp(-g));
  }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const bool causal = req.params.b("causal"), headwise = req.params.s("gate") == "headwise";
  const int off = s.seq_kv - s.seq_q;
  const int width = headwise ? 1 : s.value_dim;
  auto g = random_values(std::int64_t(s.batch) * s.heads_q * s.seq_q * width, req.dtype,
                         req.seed * 3 + 7, 2.0);
  View4<float> gd("gate_logits", s.batch, s.heads_q, s.seq_q, width);
  upload(gd, g);
  GatedCausal p{gd, s.seq_kv, off, causal, headwise};
  attention::HostMask host;
  host.visible = [=](int, int, int i, int j) { return !causal || j <= i + off; };
  host.finish = [=, s = s](int b, int h, int i, int d, double o) {
    const double x = g[((std::size_t(b) * s.heads_q + h) * s.seq_q + i) * width + (headwise ? 0 : d)];
    return o / (1.0 + std::exp(-x));
  };
  return std::make_unique<attention::SoftmaxAttentionInstance<GatedCausal>>(req, s, p, host);
}

}  // namespace moat::variants::attention_gated_output
