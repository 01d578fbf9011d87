#pragma once
// A thread's few consecutive storage elements as one vector load leaves them in registers: fp32
// as floats, 16-bit elements (bf16 / fp16) two to a 32-bit word, each converted only where it is
// used. Lanes<bf16, 4> instead holds one element per register, so the compiler unpacks the load
// (PRMT) right after it: the thread then waits for each load before it issues the next, where
// words leave a whole step's loads in flight (H100 SASS of the bf16 streaming GEMM), and take
// half the registers.
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/common/packet.hpp"

namespace moat {

template <class T, int E>
struct LaneWords {
  static constexpr int kWords = E * int(sizeof(T)) / 4;
  static_assert(sizeof(T) == 2 && (kWords == 2 || kWords == 4), "4 or 8 16-bit elements");
  std::uint32_t w[kWords];
};
// What a load of E elements of T gives: Lanes for fp32, LaneWords for 16-bit types.
template <class T, int E>
using LaneLoad = std::conditional_t<sizeof(T) == 4, Lanes<T, E>, LaneWords<T, E>>;

// One aligned group of E elements at p (group_aligned<E>(p)).
template <class T, int E>
KOKKOS_FORCEINLINE_FUNCTION Lanes<T, E> load_lane(const T* p, Lanes<T, E>*) {
  return load_group<E>(p);
}
template <class T, int E>
KOKKOS_FORCEINLINE_FUNCTION LaneWords<T, E> load_lane(const T* p, LaneWords<T, E>*) {
  LaneWords<T, E> x;
#if defined(__CUDA_ARCH__)
  // One 8- or 16-byte load into 32-bit registers (a struct copy may be split per element).
  if constexpr (LaneWords<T, E>::kWords == 4) {
    const uint4 v = *reinterpret_cast<const uint4*>(p);
    x.w[0] = v.x, x.w[1] = v.y, x.w[2] = v.z, x.w[3] = v.w;
  } else {
    const uint2 v = *reinterpret_cast<const uint2*>(p);
    x.w[0] = v.x, x.w[1] = v.y;
  }
#else
  std::memcpy(&x, p, sizeof x);
#endif
  return x;
}
template <int E, class T>
KOKKOS_FORCEINLINE_FUNCTION LaneLoad<T, E> load_lane(const T* p) {
  return load_lane(p, static_cast<LaneLoad<T, E>*>(nullptr));
}

// Element e as a float (little-endian: element 2i is the low half of word i).
template <class T, int E>
KOKKOS_FORCEINLINE_FUNCTION float lane_elem(const Lanes<T, E>& x, int e) {
  return to_float(x.v[e]);
}
template <class T, int E>
KOKKOS_FORCEINLINE_FUNCTION float lane_elem(const LaneWords<T, E>& x, int e) {
  const std::uint32_t word = x.w[e / 2];
  return to_float(T{std::uint16_t(e % 2 ? word >> 16 : word & 0xffffu)});
}

// Element e of x set to v (element by element fills of partial groups).
template <class T, int E>
KOKKOS_FORCEINLINE_FUNCTION void set_lane_elem(Lanes<T, E>& x, int e, T v) {
  x.v[e] = v;
}
template <class T, int E>
KOKKOS_FORCEINLINE_FUNCTION void set_lane_elem(LaneWords<T, E>& x, int e, T v) {
  std::uint32_t& word = x.w[e / 2];
  word = e % 2 ? (word & 0xffffu) | (std::uint32_t(v.bits) << 16)
               : (word & 0xffff0000u) | std::uint32_t(v.bits);
}

}  // namespace moat
