#pragma once
// Sliding-window mask policy (also the window branch of attention.nsa).
#include "kernels/common/compat.hpp"

namespace moat::attention {

struct SlidingWindow {
  int seq_kv, offset, window;  // offset = seq_kv - seq_q
  bool causal;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int i) const {
    return kx::max(0, i + offset - window + 1);
  }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return kx::min(seq_kv, causal ? i + offset + 1 : i + offset + window);
  }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    const int d = j - (i + offset);
    return causal ? (d <= 0 && d > -window) : (d < window && d > -window);
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

}  // namespace moat::attention
