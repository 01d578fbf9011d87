#pragma once
// 16-byte packets of consecutive storage elements (4 floats, 8 bf16 / fp16): one 128-bit load or
// store instruction per packet on GPUs, where a scalar loop issues four to eight and keeps fewer
// bytes in flight per thread (memory-bound kernels need ~10 KB in flight per SM). Callers check
// packet_aligned() on the base pointers and keep a scalar path for rows whose length is not a
// whole number of packets.
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/common/storage.hpp"

namespace moat {

// N consecutive storage elements, aligned so that a whole group is one load or store (16 bytes:
// 4 floats or 8 bf16 / fp16; 8 bytes: 4 bf16 / fp16).
template <class T, int N>
struct alignas(N * sizeof(T)) Lanes {
  static constexpr int kLanes = N;
  T v[N];
};

// Elements of T in a 16-byte packet.
template <class T>
inline constexpr int kPacketLanes = int(16 / sizeof(T));
template <class T>
using Packet = Lanes<T, kPacketLanes<T>>;

template <int N, class T>
KOKKOS_INLINE_FUNCTION Lanes<T, N> load_group(const T* p) {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<T, float> && N == 4) {  // a struct copy may be split in four
    const float4 v = *reinterpret_cast<const float4*>(p);
    return Lanes<T, N>{{v.x, v.y, v.z, v.w}};
  } else {
    return *reinterpret_cast<const Lanes<T, N>*>(p);
  }
#elif defined(__HIP_DEVICE_COMPILE__)
  return *reinterpret_cast<const Lanes<T, N>*>(p);
#else
  Lanes<T, N> x;
  std::memcpy(&x, p, sizeof x);  // no aliasing assumptions on hosts
  return x;
#endif
}

template <int N, class T>
KOKKOS_INLINE_FUNCTION void store_group(T* p, const Lanes<T, N>& x) {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<T, float> && N == 4)
    *reinterpret_cast<float4*>(p) = make_float4(x.v[0], x.v[1], x.v[2], x.v[3]);
  else
    *reinterpret_cast<Lanes<T, N>*>(p) = x;
#elif defined(__HIP_DEVICE_COMPILE__)
  *reinterpret_cast<Lanes<T, N>*>(p) = x;
#else
  std::memcpy(p, &x, sizeof x);
#endif
}

template <class T>
KOKKOS_INLINE_FUNCTION Packet<T> load_packet(const T* p) {
  return load_group<kPacketLanes<T>>(p);
}
template <class T>
KOKKOS_INLINE_FUNCTION void store_packet(T* p, const Packet<T>& x) {
  store_group<kPacketLanes<T>>(p, x);
}

// Whether p starts a whole group of N elements (load_group / store_group need it).
template <int N, class T>
KOKKOS_INLINE_FUNCTION bool group_aligned(const T* p) {
  return reinterpret_cast<std::uintptr_t>(p) % (N * sizeof(T)) == 0;
}

KOKKOS_INLINE_FUNCTION bool packet_aligned(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % 16 == 0;
}

}  // namespace moat
