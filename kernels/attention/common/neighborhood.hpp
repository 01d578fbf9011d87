#pragma once
// NATTEN neighborhoods along one axis (Hassani et al. 2023; SHI-Labs/NATTEN): token x of an axis
// of length n with kernel size k and dilation d attends within its dilation group
// (positions = x mod d) to k group members: a window centred on x, shifted to stay inside the
// axis at the borders (so every token has exactly k neighbours); causal: the k members ending at x.
// Requires k * d <= n. Host and device use the same definition; Kokkos-free so specs can use it.

// Callable from host and device code alike, without needing Kokkos in spec sources.
#if defined(__CUDACC__) || defined(__HIPCC__)
#define MOAT_NB_FN __host__ __device__ inline
#else
#define MOAT_NB_FN inline
#endif

namespace moat::attention {

struct Neighborhood1d {
  int n, k, d;
  bool causal;
  // First group index of x's neighbourhood; members are (start + t) * d + x % d, t < k.
  MOAT_NB_FN int start(int x) const {
    const int r = x % d, idx = x / d;
    const int len = (n - r + d - 1) / d;  // members of x's dilation group
    if (causal) return idx - k + 1 > 0 ? idx - k + 1 : 0;
    const int centred = idx - k / 2 < len - k ? idx - k / 2 : len - k;
    return centred > 0 ? centred : 0;
  }
  MOAT_NB_FN int count(int x) const {  // causal windows are shorter near the start
    return causal ? x / d - start(x) + 1 : k;
  }
  MOAT_NB_FN bool contains(int x, int y) const {
    if (y % d != x % d) return false;
    const int g = y / d, s0 = start(x);
    return g >= s0 && g < s0 + count(x);
  }
  MOAT_NB_FN int first(int x) const { return start(x) * d + x % d; }
  MOAT_NB_FN int last(int x) const { return (start(x) + count(x) - 1) * d + x % d; }
};

}  // namespace moat::attention
