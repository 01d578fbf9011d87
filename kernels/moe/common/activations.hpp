#pragma once
// Expert FFN activations as grouped-GEMM epilogues (device) with float64 twins (oracle).
#include <cmath>

#include "kernels/common/compat.hpp"

namespace moat::moe {

struct SwiGluEpilogue {  // silu(gate) * up
  static constexpr bool two_inputs = true;
  KOKKOS_INLINE_FUNCTION float operator()(float g, float u) const {
    return g / (1.f + kx::exp(-g)) * u;
  }
  static double ref(double g, double u) { return g / (1.0 + std::exp(-g)) * u; }
};

struct GeGluEpilogue {  // gelu(gate) * up, erf form
  static constexpr bool two_inputs = true;
  KOKKOS_INLINE_FUNCTION float operator()(float g, float u) const {
    return 0.5f * g * (1.f + kx::erf(g * 0.70710678f)) * u;
  }
  static double ref(double g, double u) { return 0.5 * g * (1.0 + std::erf(g / std::sqrt(2.0))) * u; }
};

struct GeluEpilogue {  // plain two-matrix FFN: gelu(x W1) W2
  static constexpr bool two_inputs = false;
  KOKKOS_INLINE_FUNCTION float operator()(float g, float) const {
    return 0.5f * g * (1.f + kx::erf(g * 0.70710678f));
  }
  static double ref(double g, double) { return 0.5 * g * (1.0 + std::erf(g / std::sqrt(2.0))); }
};

struct ReluEpilogue {  // non-gated ReLU FFN: relu(x W1) W2 (sigma-MoE, MoEUT experts)
  static constexpr bool two_inputs = false;
  KOKKOS_INLINE_FUNCTION float operator()(float g, float) const { return g > 0.f ? g : 0.f; }
  static double ref(double g, double) { return g > 0 ? g : 0; }
};

}  // namespace moat::moe
