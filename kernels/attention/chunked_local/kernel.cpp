#include "kernels/attention/common/host_mask.hpp"

namespace moat::variants::attention_chunked_local {

struct Chunked {
  int chunk;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int i) const { return i / chunk * chunk; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return i + 1; }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    return i / chunk == j / chunk && j <= i;
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  Chunked p{int(req.params.i("chunk"))};
  return std::make_unique<attention::SoftmaxAttentionInstance<Chunked>>(req, s, p,
                                                                       attention::host_mask_of(p));
}

}  // namespace moat::variants::attention_chunked_local
