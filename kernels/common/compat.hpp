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
// host compilers warn on unknown pragmas (so is MOAT_ROLLED: a loop the compiler must not unroll,
// whose unrolled copies would hold more loads in flight than registers allow).
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
#define MOAT_UNROLL_BLOCK _Pragma("unroll")
#define MOAT_ROLLED _Pragma("unroll 1")
#else
#define MOAT_UNROLL_BLOCK
#define MOAT_ROLLED
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

// e^x for the GPU tile paths' softmax weights: on CUDA one multiply and one MUFU.EX2
// (ex2.approx.ftz: ~2 ulp, far below fp32 attention tolerances; results under 2^-126 flush to
// zero); expf is ~8 instructions without --use_fast_math. Elsewhere exp.
KOKKOS_FORCEINLINE_FUNCTION float fast_exp(float x) {
#if defined(__CUDA_ARCH__)
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x * 1.4426950408889634f));
  return y;
#else
  return exp(x);
#endif
}

// max(a, b) in one instruction on CUDA (the generic comparison compiles to compare and select).
KOKKOS_FORCEINLINE_FUNCTION float fast_max(float a, float b) {
#if defined(__CUDA_ARCH__)
  return fmaxf(a, b);
#else
  return max(a, b);
#endif
}

// The maximum / sum of x over `width` neighbouring threads of a team laid out one thread per
// vector lane of 1 (a power of two <= 32: threads of one warp on CUDA, through shuffles). Host
// teams run one-thread layouts (width 1). Other device backends have no implementation yet.
KOKKOS_FORCEINLINE_FUNCTION float lanes_max(float x, int width) {
#if defined(__CUDA_ARCH__)
  for (int lane = width / 2; lane > 0; lane /= 2)
    x = fast_max(x, __shfl_xor_sync(0xffffffffu, x, lane, width));
#elif defined(__HIP_DEVICE_COMPILE__) || defined(__SYCL_DEVICE_ONLY__)
#error "moat::kx::lanes_max: no implementation for this device backend"
#else
  (void)width;
#endif
  return x;
}
KOKKOS_FORCEINLINE_FUNCTION float lanes_sum(float x, int width) {
#if defined(__CUDA_ARCH__)
  for (int lane = width / 2; lane > 0; lane /= 2) x += __shfl_xor_sync(0xffffffffu, x, lane, width);
#elif defined(__HIP_DEVICE_COMPILE__) || defined(__SYCL_DEVICE_ONLY__)
#error "moat::kx::lanes_sum: no implementation for this device backend"
#else
  (void)width;
#endif
  return x;
}

KOKKOS_INLINE_FUNCTION constexpr int log2_of(int n) { return n <= 1 ? 0 : 1 + log2_of(n / 2); }

#if defined(__CUDA_ARCH__)
// One reduce-scatter step of warp_sum_all at lane distance Off, the thread holding x[0, Held).
template <int Held, int Off, int N>
__device__ __forceinline__ void warp_sum_step(float (&x)[N], unsigned lane) {
  if constexpr (Off > 0) {
    if constexpr (Held > 1) {
      constexpr int h = Held / 2;
      const bool upper = lane & unsigned(Off);  // keeps the upper half
#pragma unroll
      for (int i = 0; i < h; ++i) {
        const float send = upper ? x[i] : x[i + h], keep = upper ? x[i + h] : x[i];
        x[i] = keep + __shfl_xor_sync(0xffffffffu, send, Off);
      }
      warp_sum_step<h, Off / 2>(x, lane);
    } else {
      x[0] += __shfl_xor_sync(0xffffffffu, x[0], Off);
      warp_sum_step<1, Off / 2>(x, lane);
    }
  }
}
#endif

// x[i] = the sum of x[i] over each aligned run of Width threads of a warp (the whole warp by
// default; half-warps when a warp holds two rows), for every i < N (a power of two <= Width), in
// every thread of the run: a reduce-scatter (each step halves the values a thread holds: it sends
// one half to the partner lane and adds the other half from it) then an all-gather from the run,
// ~5 N instructions where N separate lanes_sum calls take 10 N. Host teams: one thread, no-op.
template <int N, int Width = 32>
KOKKOS_FORCEINLINE_FUNCTION void warp_sum_all(float (&x)[N]) {
  static_assert(N >= 1 && N <= 32 && (N & (N - 1)) == 0, "N: a power of two <= 32");
#if defined(__CUDA_ARCH__)
  static_assert(N <= Width && Width <= 32 && (Width & (Width - 1)) == 0,
                "Width: a power of two <= 32, at least N (one value per lane after the scatter)");
  // The lane in the warp: warps are cut from the linear thread index (Kokkos lays a team's
  // threads along threadIdx.y, vector lanes along x).
  const unsigned lane = (threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)) % 32u;
  warp_sum_step<N, Width / 2>(x, lane);
  // Value v now sits, complete, in the run's lanes whose bits (from Width / 2 down) spell v's
  // index bits.
  const float mine = x[0];
  const int base = Width == 32 ? 0 : int(lane) & ~(Width - 1);  // the run's first lane
  constexpr int kShift = log2_of(Width) - log2_of(N);           // lane = base + (v << kShift)
#pragma unroll
  for (int v = 0; v < N; ++v) x[v] = __shfl_sync(0xffffffffu, mine, base + (v << kShift));
#elif defined(__HIP_DEVICE_COMPILE__) || defined(__SYCL_DEVICE_ONLY__)
#error "moat::kx::warp_sum_all: no implementation for this device backend"
#else
  (void)x;
#endif
}

// x from the lane `off` away in the warp (a butterfly partner). Host teams: x.
KOKKOS_FORCEINLINE_FUNCTION float lane_xor(float x, int off) {
#if defined(__CUDA_ARCH__)
  return __shfl_xor_sync(0xffffffffu, x, off);
#elif defined(__HIP_DEVICE_COMPILE__) || defined(__SYCL_DEVICE_ONLY__)
#error "moat::kx::lane_xor: no implementation for this device backend"
#else
  (void)off;
  return x;
#endif
}

// Orders the scratch writes and reads of one warp's lanes (__syncwarp on CUDA); host teams run
// one lane: nothing to order.
KOKKOS_FORCEINLINE_FUNCTION void warp_sync() {
#if defined(__CUDA_ARCH__)
  __syncwarp();
#elif defined(__HIP_DEVICE_COMPILE__) || defined(__SYCL_DEVICE_ONLY__)
#error "moat::kx::warp_sync: no implementation for this device backend"
#endif
}

// A barrier over a team that is one whole CUDA block: __syncthreads, without the check Kokkos'
// team_barrier makes for teams that share a warp; team_barrier elsewhere.
template <class Member>
KOKKOS_FORCEINLINE_FUNCTION void block_barrier(const Member& team) {
#if defined(__CUDA_ARCH__)
  (void)team;
  __syncthreads();
#else
  team.team_barrier();
#endif
}

inline std::string version_string() {
  int v = KOKKOS_VERSION;
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." +
         std::to_string(v % 100);
}

inline std::string backend_name() { return Kokkos::DefaultExecutionSpace::name(); }

}  // namespace moat::kx
