#pragma once
// Feature maps of the linear-attention variants, written once for the kernel (T = float) and the
// float64 oracle (T = double). x is one head_dim-long q or k row; out gets features() values.
#include "kernels/common/compat.hpp"

namespace moat::attention::linear {

// Katharopoulos et al.: elu(x) + 1 (positive, so the normalizer never vanishes).
struct EluPlusOne {
  int dim;
  KOKKOS_INLINE_FUNCTION int features() const { return dim; }
  template <class T>
  KOKKOS_INLINE_FUNCTION void operator()(int, const float* x, T* out) const {
    for (int d = 0; d < dim; ++d) out[d] = x[d] > 0 ? T(x[d]) + T(1) : T(kx::exp(T(x[d])));
  }
};

// Identity times `scale` (GLA / Lightning scale queries by 1/sqrt(d); keys pass through).
struct Scaled {
  int dim;
  float scale;
  KOKKOS_INLINE_FUNCTION int features() const { return dim; }
  template <class T>
  KOKKOS_INLINE_FUNCTION void operator()(int, const float* x, T* out) const {
    for (int d = 0; d < dim; ++d) out[d] = T(x[d]) * T(scale);
  }
};

// Hedgehog: phi(x) = [softmax(x W), softmax(-x W)], W [heads_kv][dim][hidden] fixed (seeded) per
// KV head, applied to queries and keys alike.
struct HedgehogMlp {
  int dim, hidden;
  const float* w;  // [heads_kv][dim][hidden]
  KOKKOS_INLINE_FUNCTION int features() const { return 2 * hidden; }
  template <class T>
  KOKKOS_INLINE_FUNCTION void operator()(int hk, const float* x, T* out) const {
    const float* wh = w + static_cast<long>(hk) * dim * hidden;
    T mx = T(0), mn = T(0);
    for (int f = 0; f < hidden; ++f) {
      T y = T(0);
      for (int d = 0; d < dim; ++d) y += T(x[d]) * T(wh[d * hidden + f]);
      out[f] = y;
      mx = f == 0 ? y : kx::max(mx, y);
      mn = f == 0 ? y : kx::min(mn, y);
    }
    T sp = T(0), sn = T(0);
    for (int f = 0; f < hidden; ++f) {
      out[hidden + f] = T(kx::exp(mn - out[f]));  // softmax(-y): max of -y is -min y
      out[f] = T(kx::exp(out[f] - mx));
      sp += out[f];
      sn += out[hidden + f];
    }
    for (int f = 0; f < hidden; ++f) {
      out[f] /= sp;
      out[hidden + f] /= sn;
    }
  }
};

// Based: 2nd-order Taylor expansion of exp(q.k / sqrt(d)):
//   phi(x) = [1, x / d^(1/4), vec(x x^T) / (sqrt(2) sqrt(d))],  phi(q).phi(k) = 1 + s + s^2 / 2.
struct Taylor2 {
  int dim;
  KOKKOS_INLINE_FUNCTION int features() const { return 1 + dim + dim * dim; }
  template <class T>
  KOKKOS_INLINE_FUNCTION void operator()(int, const float* x, T* out) const {
    const T r4 = T(1) / T(kx::sqrt(kx::sqrt(double(dim))));
    const T r2 = T(1) / T(kx::sqrt(2.0 * dim));
    out[0] = T(1);
    for (int d = 0; d < dim; ++d) out[1 + d] = T(x[d]) * r4;
    for (int a = 0; a < dim; ++a)
      for (int b = 0; b < dim; ++b) out[1 + dim + a * dim + b] = T(x[a]) * T(x[b]) * r2;
  }
};

}  // namespace moat::attention::linear
