#include "kernels/attention/common/host_mask.hpp"

namespace moat::variants::attention_cross {

// Every query sees every encoder key.
struct Unmasked {
  int seq_kv;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int) const { return seq_kv; }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int, int) const { return true; }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  Unmasked p{s.seq_kv};
  return std::make_unique<attention::SoftmaxAttentionInstance<Unmasked>>(req, s, p,
                                                                        attention::host_mask_of(p));
}

}  // namespace moat::variants::attention_cross
