#include "reports/stats_descriptive.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace moat::reports {

double median(std::vector<double> values) {
  if (values.empty()) throw Error("median of an empty sample");
  const std::size_t n = values.size();
  const auto mid = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(values.begin(), mid, values.end());
  const double upper = *mid;
  if (n % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), mid);
  return 0.5 * (lower + upper);
}

double quantile_sorted(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) throw Error("quantile of an empty sample");
  if (!(p >= 0.0 && p <= 1.0)) throw Error("quantile level must lie in [0, 1]");
  const double h = p * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double robust_cv(const std::vector<double>& values) {
  const double m = median(values);
  if (m == 0.0) return 0.0;
  std::vector<double> deviations;
  deviations.reserve(values.size());
  for (double v : values) deviations.push_back(std::abs(v - m));
  constexpr double kMadToSigma = 1.4826;  // 1 / Phi^-1(3/4)
  return kMadToSigma * median(std::move(deviations)) / std::abs(m);
}

double pooled_robust_log_spread(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> residuals;
  for (const auto* run : {&a, &b}) {
    const double center = std::log(median(*run));
    for (double v : *run) {
      if (!(v > 0)) throw Error("log spread needs positive values");
      residuals.push_back(std::log(v) - center);
    }
  }
  // The residuals are centred on 0 by construction, so their MAD is the median of |r|.
  for (double& r : residuals) r = std::abs(r);
  constexpr double kMadToSigma = 1.4826;
  return kMadToSigma * median(std::move(residuals));
}

double geometric_mean(const std::vector<double>& values) {
  if (values.empty()) throw Error("geometric mean of an empty sample");
  double sum_log = 0.0;
  for (double v : values) {
    if (!(v > 0.0)) throw Error("geometric mean needs positive values");
    sum_log += std::log(v);
  }
  return std::exp(sum_log / static_cast<double>(values.size()));
}

}  // namespace moat::reports
