#include "kernels/attention/common/softmax_instance.hpp"

namespace moat::variants::attention_dense {

struct CausalOrFull {
  int seq_kv;
  int offset;  // seq_kv - seq_q
  bool causal;
  static constexpr bool kRangeIsMask = true;  // the mask is exactly [key_begin, key_end)
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return causal ? kx::min(seq_kv, i + offset + 1) : seq_kv;
  }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    return !causal || j <= i + offset;
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const bool causal = req.params.b("causal");
  const int offset = s.seq_kv - s.seq_q;
  attention::HostMask host{[=](int, int, int i, int j) { return !causal || j <= i + offset; }};
  return std::make_unique<attention::SoftmaxAttentionInstance<CausalOrFull>>(
      req, s, CausalOrFull{s.seq_kv, offset, causal}, host);
}

}  // namespace moat::variants::attention_dense
