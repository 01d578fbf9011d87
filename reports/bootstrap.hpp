#pragma once
// Seeded percentile bootstrap. The generator and the index draw are our own (SplitMix64 +
// multiply-shift), so the same seed gives the same interval with every standard library.
#include <cstdint>
#include <vector>

namespace moat::reports {

struct Interval {
  double estimate = 0;
  double low = 0;
  double high = 0;
};

inline constexpr std::uint64_t kDefaultBootstrapSeed = 0x6d6f6174u;  // "moat"
inline constexpr int kDefaultBootstrapResamples = 2000;

// Ratio median(head) / median(base); each sample resampled with replacement independently.
Interval bootstrap_median_ratio_ci(const std::vector<double>& base, const std::vector<double>& head,
                                   double level, int resamples = kDefaultBootstrapResamples,
                                   std::uint64_t seed = kDefaultBootstrapSeed);

// Mean of the values (e.g. log ratios across cases, whose exp is the geometric-mean ratio).
Interval bootstrap_mean_ci(const std::vector<double>& values, double level,
                           int resamples = kDefaultBootstrapResamples,
                           std::uint64_t seed = kDefaultBootstrapSeed);

// Deterministic generator shared by the bootstrap and the change-point permutation test.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform index in [0, n); multiply-shift, bias below 2^-40 for n < 2^24.
  std::size_t below(std::size_t n) {
    return static_cast<std::size_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

 private:
  std::uint64_t state_;
};

}  // namespace moat::reports
