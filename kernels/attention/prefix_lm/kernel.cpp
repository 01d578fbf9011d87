#include "kernels/attention/common/host_mask.hpp"

namespace moat::variants::attention_prefix_lm {

struct PrefixLmMask {
  int seq_kv, offset, prefix;  // offset = seq_kv - seq_q
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return kx::min(seq_kv, kx::max(prefix, i + offset + 1));
  }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    return j < prefix || j <= i + offset;
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  PrefixLmMask p{s.seq_kv, s.seq_kv - s.seq_q, int(req.params.i("prefix_len"))};
  return std::make_unique<attention::SoftmaxAttentionInstance<PrefixLmMask>>(
      req, s, p, attention::host_mask_of(p));
}

}  // namespace moat::variants::attention_prefix_lm
