#include "kernels/common/random.hpp"

#include <cmath>
#include <cstring>

namespace moat {

double Rng::normal() {
  double u1 = uniform(), u2 = uniform();
  if (u1 < 1e-300) u1 = 1e-300;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

namespace {
float round_mantissa(float f, int drop_bits) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  std::uint32_t lsb = (u >> drop_bits) & 1u;
  u += (1u << (drop_bits - 1)) - 1 + lsb;
  u &= ~((1u << drop_bits) - 1);
  std::memcpy(&f, &u, 4);
  return f;
}
}  // namespace

float round_to_storage(double x, DType t) {
  float f = static_cast<float>(x);
  switch (t) {
    case DType::bf16: return round_mantissa(f, 16);
    case DType::fp16: {
      // fp16 has 10 mantissa bits; inputs here stay in its normal range, so dropping 13 bits
      // of the fp32 mantissa is exact rounding.
      return round_mantissa(f, 13);
    }
    default: return f;
  }
}

std::vector<float> random_values(std::int64_t n, DType t, std::uint64_t seed, double scale) {
  Rng rng(seed);
  std::vector<float> out(static_cast<std::size_t>(n));
  for (auto& v : out) v = round_to_storage(rng.normal() * scale, t);
  return out;
}

}  // namespace moat
