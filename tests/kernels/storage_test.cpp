// The 16-bit storage formats: every bit pattern round-trips, float -> 16 bits rounds to the
// nearest value (ties to even) as a float64 search over all finite values says, and the kernel
// conversions on the execution space (CUDA intrinsics on GPUs) agree with the host ones.
#include "kernels/common/storage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/float16.hpp"
#include "kernels/common/random.hpp"
#include "kernels/common/views.hpp"

namespace moat {
namespace {

template <class ToFloat, class FromFloat>
void expect_round_trip(ToFloat to_f, FromFloat from_f) {
  for (std::uint32_t b = 0; b < 65536; ++b) {
    const float f = to_f(std::uint16_t(b));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(to_f(from_f(f)))) << b;
    } else {
      EXPECT_EQ(from_f(f), b) << "bits " << b << " value " << f;
    }
  }
}

TEST(Storage, EveryBitPatternRoundTrips) {
  expect_round_trip(float16::bf16_to_float, float16::float_to_bf16);
  expect_round_trip(float16::fp16_to_float, float16::float_to_fp16);
  EXPECT_EQ(float16::fp16_to_float(0x3c00), 1.f);
  EXPECT_EQ(float16::fp16_to_float(0x7bff), 65504.f);
  EXPECT_EQ(float16::fp16_to_float(0x0001), std::ldexp(1.f, -24));
  EXPECT_EQ(float16::bf16_to_float(0x3f80), 1.f);
}

// The nearest of a format's sorted finite non-negative values to |x| (ties to the even bit
// pattern); past the largest, the half-way point to the next power decides between max and inf.
std::uint16_t nearest(const std::vector<std::pair<double, std::uint16_t>>& table, double x,
                      double overflow_at, std::uint16_t inf_bits) {
  const double a = std::fabs(x);
  const std::uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  if (a >= overflow_at) return sign | inf_bits;
  auto hi = std::lower_bound(table.begin(), table.end(), std::make_pair(a, std::uint16_t(0)));
  if (hi == table.end()) return sign | table.back().second;
  if (hi == table.begin()) return sign | hi->second;
  auto lo = hi - 1;
  const double dl = a - lo->first, dh = hi->first - a;
  if (dl < dh) return sign | lo->second;
  if (dh < dl) return sign | hi->second;
  return sign | ((lo->second & 1) ? hi->second : lo->second);
}

std::vector<std::pair<double, std::uint16_t>> finite_table(float (*to_f)(std::uint16_t)) {
  std::vector<std::pair<double, std::uint16_t>> t;
  for (std::uint32_t b = 0; b < 0x8000; ++b) {
    const float f = to_f(std::uint16_t(b));
    if (std::isfinite(f)) t.push_back({double(f), std::uint16_t(b)});
  }
  std::sort(t.begin(), t.end());
  return t;
}

TEST(Storage, RoundsToNearestEven) {
  const auto bf = finite_table(float16::bf16_to_float);
  const auto hf = finite_table(float16::fp16_to_float);
  // half-way between the largest finite and the next binade: ties there round to inf (odd max)
  const double bf_over = std::ldexp(2.0 - std::ldexp(1.0, -8), 127);
  const double hf_over = 65520.0;
  Rng rng(7);
  std::vector<float> xs = {0.f,
                           -0.f,
                           1.f,
                           65504.f,
                           65519.f,
                           65520.f,
                           1e-8f,
                           -3e-5f,
                           std::ldexp(1.f, -25),
                           std::ldexp(3.f, -26),
                           1.00390625f,
                           1.01171875f,
                           3.4e38f};
  for (int i = 0; i < 200000; ++i) {
    const float mag = std::ldexp(float(rng.uniform(1.0, 2.0)), int(rng.below(80)) - 40);
    xs.push_back(rng.uniform() < 0.5 ? mag : -mag);
  }
  // exact ties of both formats
  for (std::uint32_t b = 0; b + 1 < 0x7c00; b += 97) {
    xs.push_back(float((double(float16::fp16_to_float(std::uint16_t(b))) +
                        float16::fp16_to_float(std::uint16_t(b + 1))) /
                       2));
    xs.push_back(float((double(float16::bf16_to_float(std::uint16_t(b))) +
                        float16::bf16_to_float(std::uint16_t(b + 1))) /
                       2));
  }
  for (float x : xs) {
    EXPECT_EQ(float16::float_to_bf16(x), nearest(bf, x, bf_over, 0x7f80)) << x;
    EXPECT_EQ(float16::float_to_fp16(x), nearest(hf, x, hf_over, 0x7c00)) << x;
  }
  EXPECT_EQ(round_to_storage(1.0 + 1.0 / 256, DType::bf16), 1.f);  // ties to even
  EXPECT_EQ(round_to_storage(1.0 + 3.0 / 2048, DType::fp16), 1.f + 1.f / 512);
}

// The conversions kernels use, run on the execution space: on GPUs the fp16 ones are CUDA's.
TEST(Storage, ExecutionSpaceConversionsMatchTheHost) {
  const int n = 1 << 16;
  View1<float> from_bf("from_bf", n), from_hf("from_hf", n), probe("probe", n);
  View1<std::uint16_t> to_bf("to_bf", n), to_hf("to_hf", n);
  std::vector<float> probes(n);
  Rng rng(11);
  for (auto& p : probes) p = float(rng.normal() * std::ldexp(1.0, int(rng.below(30)) - 15));
  upload(probe, probes);
  Kokkos::parallel_for(
      "storage_test", RangePolicy(0, n), KOKKOS_LAMBDA(int i) {
        if (i < 0x7c00) {  // finite fp16 patterns only: NaN payloads may differ
          from_hf(i) = to_float(fp16{std::uint16_t(i)});
        } else {
          from_hf(i) = 0.f;
        }
        from_bf(i) = i < 0x7f80 ? to_float(bf16{std::uint16_t(i)}) : 0.f;
        to_bf(i) = store_as<bf16>(probe(i)).bits;
        to_hf(i) = store_as<fp16>(probe(i)).bits;
      });
  const auto hb = download(from_bf), hh = download(from_hf);
  const auto tb = download(to_bf), th = download(to_hf);
  for (int i = 0; i < n; ++i) {
    if (i < 0x7c00) {
      EXPECT_EQ(hh[i], float16::fp16_to_float(std::uint16_t(i))) << i;
    }
    if (i < 0x7f80) {
      EXPECT_EQ(hb[i], float16::bf16_to_float(std::uint16_t(i))) << i;
    }
    EXPECT_EQ(tb[i], float16::float_to_bf16(probes[i])) << probes[i];
    EXPECT_EQ(th[i], float16::float_to_fp16(probes[i])) << probes[i];
  }
}

}  // namespace
}  // namespace moat
