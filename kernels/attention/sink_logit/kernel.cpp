#include "kernels/attention/common/softmax_instance.hpp"
#include "kernels/attention/common/tables.hpp"

namespace moat::variants::attention_sink_logit {

struct CausalWithSink {
  View1<const float> sinks;  // [heads_q]
  int seq_kv, offset;
  bool causal;
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
  KOKKOS_INLINE_FUNCTION float sink_logit(int, int h) const { return sinks(h); }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const bool causal = req.params.b("causal");
  const int off = s.seq_kv - s.seq_q;
  auto sinks = random_values(s.heads_q, DType::fp32, 0x5171, 1.0);  // fixed "learned" values
  CausalWithSink p{attention::to_device(sinks, "sink_logits"), s.seq_kv, off, causal};
  attention::HostMask host;
  host.visible = [=](int, int, int i, int j) { return !causal || j <= i + off; };
  host.sink = [=](int, int h) { return double(sinks[h]); };
  return std::make_unique<attention::SoftmaxAttentionInstance<CausalWithSink>>(req, s, p, host);
}

}  // namespace moat::variants::attention_sink_logit
