#pragma once
// Element types of kernel inputs and outputs in memory ("storage"): fp32, or bf16 / fp16 held as
// 16 raw bits. Kernels load through to_float() and accumulate in fp32; outputs are rounded to the
// storage type once, on the final store (store_as). The 16-bit types are plain structs rather
// than Kokkos::Experimental::half_t because Kokkos 3.4 (Debian) defines half_t as float on
// Serial builds and has no bhalf_t at all: the bytes moved must be the bytes of the dtype.
#include <type_traits>

#include "core/dtype.hpp"
#include "core/float16.hpp"
#include "kernels/common/compat.hpp"

namespace moat {

struct bf16 {
  std::uint16_t bits;
};
struct fp16 {
  std::uint16_t bits;
};

KOKKOS_INLINE_FUNCTION float to_float(float x) { return x; }
KOKKOS_INLINE_FUNCTION float to_float(bf16 x) { return float16::bf16_to_float(x.bits); }
KOKKOS_INLINE_FUNCTION float to_float(fp16 x) {
#if defined(__CUDA_ARCH__)
  return kx::half_bits_to_float(x.bits);  // one conversion instruction
#else
  return float16::fp16_to_float(x.bits);
#endif
}

// float into a storage type (or any arithmetic type: a plain conversion).
template <class T>
KOKKOS_INLINE_FUNCTION T store_as(float x) {
  return T(x);
}
template <>
KOKKOS_INLINE_FUNCTION bf16 store_as<bf16>(float x) {
  return bf16{float16::float_to_bf16(x)};
}
template <>
KOKKOS_INLINE_FUNCTION fp16 store_as<fp16>(float x) {
#if defined(__CUDA_ARCH__)
  return fp16{kx::float_to_half_bits(x)};
#else
  return fp16{float16::float_to_fp16(x)};
#endif
}

template <class T>
inline constexpr bool kHalfStorage = std::is_same_v<T, bf16> || std::is_same_v<T, fp16>;

// Calls f(T{}) with the storage type of dt (fp32, bf16 or fp16): the one place that maps a
// case's dtype onto the kernel template that runs it.
template <class F>
decltype(auto) with_storage(DType dt, F&& f) {
  switch (dt) {
    case DType::bf16:
      return f(bf16{});
    case DType::fp16:
      return f(fp16{});
    default:
      return f(float{});
  }
}

}  // namespace moat
