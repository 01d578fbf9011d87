#pragma once
// The clipped-softmax normalizer hooks (see spec.cpp), shared by kernel.cpp and test.cpp.
#include "kernels/common/compat.hpp"

namespace moat::variants::attention_clipped_softmax {

struct Clipped {
  float stretch, gamma;  // zeta - gamma, gamma
  static constexpr bool kRunningMax = true, kRowSum = false, kTwoPass = true;
  KOKKOS_INLINE_FUNCTION float key(float s) const { return s; }
  KOKKOS_INLINE_FUNCTION float mass(float s, float m) const { return kx::exp(s - m); }
  KOKKOS_INLINE_FUNCTION float weight(float s, float m, float l) const {
    const float w = stretch * (kx::exp(s - m) / l) + gamma;
    return kx::min(1.f, kx::max(0.f, w));
  }
  KOKKOS_INLINE_FUNCTION float out_scale() const { return 1.f; }
};

}  // namespace moat::variants::attention_clipped_softmax
