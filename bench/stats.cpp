#include "bench/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace moat {

namespace {
// P(Binomial(n, 1/2) <= k)
double binom_cdf_half(int n, int k) {
  double sum = 0, term = std::pow(0.5, n);  // C(n,0) / 2^n
  for (int i = 0; i <= k; ++i) {
    sum += term;
    term = term * (n - i) / (i + 1);
  }
  return sum;
}
}  // namespace

SampleSummary summarize_samples(std::vector<double> x) {
  SampleSummary s;
  if (x.empty()) return s;
  std::sort(x.begin(), x.end());
  const int n = int(x.size());
  s.min = x.front();
  s.max = x.back();
  s.median = n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
  s.mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double var = 0;
  for (double v : x) var += (v - s.mean) * (v - s.mean);
  s.stddev = n > 1 ? std::sqrt(var / (n - 1)) : 0;
  s.cv = s.mean > 0 ? s.stddev / s.mean : 0;
  // Largest k with P(B <= k-1) <= 2.5%: the interval [x_(k), x_(n-k+1)] covers the median with
  // probability 1 - 2 P(B <= k-1) >= 95%. For n < 6 no such k exists; use [min, max].
  int k = 0;
  while (k + 1 <= n / 2 && binom_cdf_half(n, k) <= 0.025) ++k;
  if (k == 0) {
    s.ci_low = s.min;
    s.ci_high = s.max;
    s.ci_level = 1.0 - 2.0 * std::pow(0.5, n);
  } else {
    s.ci_low = x[k - 1];
    s.ci_high = x[n - k];
    s.ci_level = 1.0 - 2.0 * binom_cdf_half(n, k - 1);
  }
  return s;
}

}  // namespace moat
