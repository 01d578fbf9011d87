#include "kernels/attention/common/softmax_instance.hpp"
#include "kernels/attention/common/tables.hpp"

namespace moat::variants::attention_multiscale_window {

int head_window(int h, int heads, int lo, int hi);  // spec.cpp

struct PerHeadWindow {
  View1<const float> windows;  // [heads_q], integral values
  int seq_kv, offset;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int w(int h) const { return int(windows(h)); }
  KOKKOS_INLINE_FUNCTION int key_begin(int, int h, int i) const { return kx::max(0, i + offset - w(h) + 1); }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return kx::min(seq_kv, i + offset + 1); }
  KOKKOS_INLINE_FUNCTION bool visible(int, int h, int i, int j) const {
    return j <= i + offset && j > i + offset - w(h);
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const int lo = int(req.params.i("min_window")), hi = int(req.params.i("max_window"));
  std::vector<float> w(s.heads_q);
  for (int h = 0; h < s.heads_q; ++h) w[h] = float(head_window(h, s.heads_q, lo, hi));
  const int off = s.seq_kv - s.seq_q;
  PerHeadWindow p{attention::to_device(w, "mswa_windows"), s.seq_kv, off};
  attention::HostMask host;
  host.visible = [=](int, int h, int i, int j) { return j <= i + off && j > i + off - int(w[h]); };
  return std::make_unique<attention::SoftmaxAttentionInstance<PerHeadWindow>>(req, s, p, host);
}

}  // namespace moat::variants::attention_multiscale_window
