#include "kernels/attention/common/softmax_instance.hpp"

namespace moat::variants::attention_softcap {

struct SoftCap {
  int seq_kv, offset;
  bool causal;
  float cap;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return causal ? kx::min(seq_kv, i + offset + 1) : seq_kv;
  }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    return !causal || j <= i + offset;
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const {
    return cap * kx::tanh(s / cap);
  }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const bool causal = req.params.b("causal");
  const int off = s.seq_kv - s.seq_q;
  const double cap = req.params.r("cap");
  attention::HostMask host;
  host.visible = [=](int, int, int i, int j) { return !causal || j <= i + off; };
  host.score = [=](int, int, int, int, double x) { return cap * std::tanh(x / cap); };
  return std::make_unique<attention::SoftmaxAttentionInstance<SoftCap>>(
      req, s, SoftCap{s.seq_kv, off, causal, float(cap)}, host);
}

}  // namespace moat::variants::attention_softcap
