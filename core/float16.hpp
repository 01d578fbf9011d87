#pragma once
// bf16 and IEEE fp16 as raw 16 bits <-> float, round to nearest even: the one definition of the
// 16-bit storage formats, shared by input generation (Kokkos-free) and kernels (storage.hpp,
// which compiles these for devices too). NaN stays NaN; values past the largest finite become inf.
#include <cstdint>
#include <cstring>

#include "core/host_device.hpp"

namespace moat::float16 {

MOAT_HOST_DEVICE inline float float_of_bits(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
MOAT_HOST_DEVICE inline std::uint32_t bits_of_float(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

MOAT_HOST_DEVICE inline float bf16_to_float(std::uint16_t bits) {
  return float_of_bits(std::uint32_t(bits) << 16);
}
MOAT_HOST_DEVICE inline std::uint16_t float_to_bf16(float x) {
  const std::uint32_t u = bits_of_float(x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return std::uint16_t((u >> 16) | 0x40u);  // quiet NaN
  return std::uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

MOAT_HOST_DEVICE inline float fp16_to_float(std::uint16_t bits) {
  const std::uint32_t sign = std::uint32_t(bits & 0x8000u) << 16;
  const std::uint32_t exp = (bits >> 10) & 0x1fu, man = bits & 0x3ffu;
  if (exp == 0x1f) return float_of_bits(sign | 0x7f800000u | (man << 13));  // inf, NaN
  if (exp != 0) return float_of_bits(sign | ((exp + 112) << 23) | (man << 13));
  const float mag = float(man) * 5.9604644775390625e-8f;  // zero, subnormal: man * 2^-24 exactly
  return sign ? -mag : mag;
}
MOAT_HOST_DEVICE inline std::uint16_t float_to_fp16(float x) {
  const std::uint32_t u = bits_of_float(x);
  const std::uint32_t sign = (u >> 16) & 0x8000u, abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return std::uint16_t(sign | 0x7e00u);   // NaN
  if (abs >= 0x477ff000u) return std::uint16_t(sign | 0x7c00u);  // rounds past 65504: inf
  if (abs < 0x38800000u) {                              // below the smallest normal: steps of 2^-24
    const float mag = float_of_bits(abs) * 16777216.f;  // exact
    // adding 2^23 rounds to an integer (ties to even) held in the mantissa bits; 0x400 is the
    // smallest normal, also the right bits
    return std::uint16_t(sign | (bits_of_float(mag + 8388608.f) - 0x4b000000u));
  }
  const std::uint32_t r = abs + 0xfffu + ((abs >> 13) & 1u);  // keep 10 mantissa bits
  return std::uint16_t(sign | ((r - 0x38000000u) >> 13));
}

}  // namespace moat::float16
