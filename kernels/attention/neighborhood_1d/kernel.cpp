#include "kernels/attention/common/host_mask.hpp"
#include "kernels/attention/common/neighborhood.hpp"

namespace moat::variants::attention_neighborhood_1d {

struct Natten1d {
  attention::Neighborhood1d nb;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int i) const { return nb.first(i); }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return nb.last(i) + 1; }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const { return nb.contains(i, j); }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  Natten1d p{{s.seq_kv, int(req.params.i("kernel_size")), int(req.params.i("dilation")),
              req.params.b("causal")}};
  return std::make_unique<attention::SoftmaxAttentionInstance<Natten1d>>(
      req, s, p, attention::host_mask_of(p));
}

}  // namespace moat::variants::attention_neighborhood_1d
