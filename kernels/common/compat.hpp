#pragma once
// Every Kokkos version difference moat cares about, in one place. Supported: Debian's 3.4.1
// (Serial) and Kokkos 4.x / 5.x (Serial, OpenMP, CUDA).
#include <Kokkos_Core.hpp>
#if defined(__CUDA_ARCH__)
#include <cuda_fp16.h>
#endif

#ifndef KOKKOS_VERSION
#error "Kokkos_Core.hpp did not define KOKKOS_VERSION"
#endif

#define MOAT_KOKKOS_AT_LEAST(major, minor) (KOKKOS_VERSION >= ((major)*10000 + (minor)*100))

// Loops over a thread's register block with large bodies (exp, log, policy hooks, stores): GPU
// compilers may leave them rolled, which moves the whole block to local memory. Device-only:
// host compilers warn on unknown pragmas.
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
#define MOAT_UNROLL_BLOCK _Pragma("unroll")
#else
#define MOAT_UNROLL_BLOCK
#endif

namespace moat::kx {

#if MOAT_KOKKOS_AT_LEAST(3, 7)
using Kokkos::erf;
using Kokkos::exp;
using Kokkos::fabs;
using Kokkos::log;
using Kokkos::pow;
using Kokkos::sqrt;
using Kokkos::tanh;
#else
using Kokkos::Experimental::erf;
using Kokkos::Experimental::exp;
using Kokkos::Experimental::fabs;
using Kokkos::Experimental::log;
using Kokkos::Experimental::pow;
using Kokkos::Experimental::sqrt;
using Kokkos::Experimental::tanh;
#endif

template <class T>
KOKKOS_INLINE_FUNCTION T max(T a, T b) {
  return a > b ? a : b;
}
template <class T>
KOKKOS_INLINE_FUNCTION T min(T a, T b) {
  return a < b ? a : b;
}

// Largest finite float, used as -infinity stand-in so masked rows stay finite (no inf - inf).
KOKKOS_INLINE_FUNCTION constexpr float lowest_float() { return -3.402823e38f; }

#if defined(__CUDA_ARCH__)
// IEEE half <-> float in one conversion instruction each (storage.hpp has the portable code).
__device__ inline float half_bits_to_float(unsigned short bits) {
  return __half2float(__ushort_as_half(bits));
}
__device__ inline unsigned short float_to_half_bits(float x) {
  return __half_as_ushort(__float2half_rn(x));
}
#endif

inline std::string version_string() {
  int v = KOKKOS_VERSION;
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." +
         std::to_string(v % 100);
}

inline std::string backend_name() { return Kokkos::DefaultExecutionSpace::name(); }

}  // namespace moat::kx
