#pragma once
// The SignExp normalizer hooks (see spec.cpp), shared by kernel.cpp and test.cpp.
#include "kernels/common/compat.hpp"

namespace moat::variants::attention_sign {

struct SignExp {
  static constexpr bool kRunningMax = true, kRowSum = true, kTwoPass = false;
  KOKKOS_INLINE_FUNCTION float key(float s) const { return kx::fabs(s); }
  KOKKOS_INLINE_FUNCTION float mass(float s, float m) const { return kx::exp(kx::fabs(s) - m); }
  KOKKOS_INLINE_FUNCTION float weight(float s, float m, float) const {
    const float e = kx::exp(kx::fabs(s) - m);
    return s > 0.f ? e : s < 0.f ? -e : 0.f;
  }
  KOKKOS_INLINE_FUNCTION float out_scale() const { return 1.f; }
};

}  // namespace moat::variants::attention_sign
