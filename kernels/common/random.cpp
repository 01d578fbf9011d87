#include "kernels/common/random.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

#include "core/float16.hpp"

namespace moat {

double Rng::normal() {
  double u1 = uniform(), u2 = uniform();
  if (u1 < 1e-300) u1 = 1e-300;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

float round_to_storage(double x, DType t) {
  const float f = static_cast<float>(x);
  switch (t) {
    case DType::bf16:
      return float16::bf16_to_float(float16::float_to_bf16(f));
    case DType::fp16:
      return float16::fp16_to_float(float16::float_to_fp16(f));
    default:
      return f;
  }
}

std::vector<float> random_values(std::int64_t n, DType t, std::uint64_t seed, double scale) {
  std::vector<float> out(static_cast<std::size_t>(n));
  // Element i takes next() calls 2i and 2i + 1 (normal() draws two uniforms).
  const auto fill = [&](std::int64_t begin, std::int64_t end) {
    Rng rng(seed);
    rng.skip(2 * static_cast<std::uint64_t>(begin));
    for (std::int64_t i = begin; i < end; ++i)
      out[static_cast<std::size_t>(i)] = round_to_storage(rng.normal() * scale, t);
  };
  // Gigabyte-sized expert weights took ~10 s per case on one thread.
  constexpr std::int64_t kPerThread = 1 << 22;
  const std::int64_t threads = std::min<std::int64_t>(
      std::max(1u, std::thread::hardware_concurrency()), (n + kPerThread - 1) / kPerThread);
  if (threads <= 1) {
    fill(0, n);
    return out;
  }
  std::vector<std::thread> pool;
  const std::int64_t chunk = (n + threads - 1) / threads;
  for (std::int64_t w = 1; w < threads; ++w)
    pool.emplace_back(fill, w * chunk, std::min(n, (w + 1) * chunk));
  fill(0, std::min(n, chunk));
  for (auto& th : pool) th.join();
  return out;
}

}  // namespace moat
