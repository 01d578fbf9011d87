#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace moat {

// Storage type of a case's tensors. Accumulation is always at least fp32.
enum class DType { fp64, fp32, bf16, fp16 };

inline constexpr int bytes_of(DType t) {
  switch (t) {
    case DType::fp64: return 8;
    case DType::fp32: return 4;
    case DType::bf16: return 2;
    case DType::fp16: return 2;
  }
  return 4;
}

inline std::string to_string(DType t) {
  switch (t) {
    case DType::fp64: return "fp64";
    case DType::fp32: return "fp32";
    case DType::bf16: return "bf16";
    case DType::fp16: return "fp16";
  }
  return "fp32";
}

inline std::optional<DType> parse_dtype(std::string_view s) {
  if (s == "fp64") return DType::fp64;
  if (s == "fp32") return DType::fp32;
  if (s == "bf16") return DType::bf16;
  if (s == "fp16") return DType::fp16;
  return std::nullopt;
}

// Unit round-off of the storage type: used to size oracle tolerances.
inline constexpr double epsilon_of(DType t) {
  switch (t) {
    case DType::fp64: return 1.1e-16;
    case DType::fp32: return 6.0e-8;
    case DType::bf16: return 3.9e-3;
    case DType::fp16: return 4.9e-4;
  }
  return 6.0e-8;
}

}  // namespace moat
