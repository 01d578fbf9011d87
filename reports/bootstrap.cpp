#include "reports/bootstrap.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "reports/stats_descriptive.hpp"

namespace moat::reports {

namespace {

void check_arguments(double level, int resamples) {
  if (!(level > 0 && level < 1)) throw Error("confidence level must lie in (0, 1)");
  if (resamples < 100) throw Error("bootstrap needs at least 100 resamples");
}

void resample(const std::vector<double>& from, std::vector<double>& into, SplitMix64& rng) {
  into.resize(from.size());
  for (auto& v : into) v = from[rng.below(from.size())];
}

Interval percentile_interval(double estimate, std::vector<double> replicates, double level) {
  std::sort(replicates.begin(), replicates.end());
  const double tail = (1 - level) / 2;
  return {estimate, quantile_sorted(replicates, tail), quantile_sorted(replicates, 1 - tail)};
}

}  // namespace

Interval bootstrap_median_ratio_ci(const std::vector<double>& base, const std::vector<double>& head,
                                   double level, int resamples, std::uint64_t seed) {
  check_arguments(level, resamples);
  if (base.empty() || head.empty()) throw Error("bootstrap needs two non-empty samples");
  const double base_median = median(base);
  if (!(base_median > 0)) throw Error("median ratio needs a positive base median");
  SplitMix64 rng(seed);
  std::vector<double> replicates, b, h;
  replicates.reserve(static_cast<std::size_t>(resamples));
  for (int i = 0; i < resamples; ++i) {
    resample(base, b, rng);
    resample(head, h, rng);
    replicates.push_back(median(h) / median(b));
  }
  return percentile_interval(median(head) / base_median, std::move(replicates), level);
}

Interval bootstrap_mean_ci(const std::vector<double>& values, double level, int resamples,
                           std::uint64_t seed) {
  check_arguments(level, resamples);
  if (values.empty()) throw Error("bootstrap needs a non-empty sample");
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
  };
  SplitMix64 rng(seed);
  std::vector<double> replicates, r;
  replicates.reserve(static_cast<std::size_t>(resamples));
  for (int i = 0; i < resamples; ++i) {
    resample(values, r, rng);
    replicates.push_back(mean(r));
  }
  return percentile_interval(mean(values), std::move(replicates), level);
}

}  // namespace moat::reports
