#include "kernels/attention/common/host_mask.hpp"
#include "kernels/attention/common/neighborhood.hpp"

namespace moat::variants::attention_neighborhood_2d {

attention::AttentionShape grid_shape(const Params& p);  // spec.cpp

struct Natten2d {
  attention::Neighborhood1d rows, cols;
  int w;  // grid width
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int i) const { return rows.first(i / w) * w; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return (rows.last(i / w) + 1) * w; }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    return rows.contains(i / w, j / w) && cols.contains(i % w, j % w);
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = grid_shape(req.params);
  const int k = int(req.params.i("kernel_size")), d = int(req.params.i("dilation"));
  const bool causal = req.params.b("causal");
  const int gh = int(req.params.i("grid_h")), gw = int(req.params.i("grid_w"));
  Natten2d p{{gh, k, d, causal}, {gw, k, d, causal}, gw};
  return std::make_unique<attention::SoftmaxAttentionInstance<Natten2d>>(
      req, s, p, attention::host_mask_of(p));
}

}  // namespace moat::variants::attention_neighborhood_2d
