#include "reports/mann_whitney.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "reports/normal_distribution.hpp"

namespace moat::reports {

std::vector<double> mann_whitney_exact_cdf(std::size_t nx, std::size_t ny) {
  // count[m][n][u] = number of orderings of m x's and n y's with U = u. Recurrence on the largest
  // element: if it is an x it beats all n y's (u - n left for the rest), else it beats nothing.
  // Kept as doubles: C(40, 20) ~ 1.4e11 is exact, larger counts only lose relative 1e-16.
  const std::size_t umax = nx * ny;
  std::vector<std::vector<std::vector<double>>> count(nx + 1,
                                                      std::vector<std::vector<double>>(ny + 1));
  for (std::size_t m = 0; m <= nx; ++m) {
    for (std::size_t n = 0; n <= ny; ++n) {
      auto& c = count[m][n];
      c.assign(m * n + 1, 0.0);
      if (m == 0 || n == 0) {
        c[0] = 1.0;
        continue;
      }
      const auto& x_last = count[m - 1][n];
      const auto& y_last = count[m][n - 1];
      for (std::size_t u = 0; u <= m * n; ++u) {
        if (u >= n && u - n < x_last.size()) c[u] += x_last[u - n];
        if (u < y_last.size()) c[u] += y_last[u];
      }
    }
  }
  const auto& c = count[nx][ny];
  double total = 0;
  for (double v : c) total += v;
  std::vector<double> cdf(umax + 1);
  double running = 0;
  for (std::size_t u = 0; u <= umax; ++u) {
    running += c[u];
    cdf[u] = running / total;
  }
  return cdf;
}

MannWhitneyResult mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.empty() || y.empty()) throw Error("Mann-Whitney U test needs two non-empty samples");
  const double nx = static_cast<double>(x.size());
  const double ny = static_cast<double>(y.size());

  // Ranks of the pooled sample (average ranks for ties) and the tie groups' sizes.
  std::vector<std::pair<double, int>> pooled;
  for (double v : x) pooled.emplace_back(v, 0);
  for (double v : y) pooled.emplace_back(v, 1);
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum_x = 0;
  double tie_term = 0;  // sum over tie groups of t^3 - t
  for (std::size_t i = 0; i < pooled.size();) {
    std::size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k)
      if (pooled[k].second == 0) rank_sum_x += avg_rank;
    tie_term += t * t * t - t;
    i = j;
  }

  MannWhitneyResult r;
  r.u = rank_sum_x - nx * (nx + 1) / 2.0;
  const double mean_u = nx * ny / 2.0;

  if (tie_term == 0 && x.size() * y.size() <= kExactMaxProduct) {
    // No ties: U is an integer; p = 2 min(P(U <= u), P(U >= u)), and P(U >= u) = P(U <= nx ny - u)
    // by symmetry of the null distribution.
    const auto cdf = mann_whitney_exact_cdf(x.size(), y.size());
    const auto u = static_cast<std::size_t>(std::lround(r.u));
    const auto u_mirror = x.size() * y.size() - u;
    r.p_value = std::min(1.0, 2.0 * std::min(cdf[u], cdf[u_mirror]));
    r.exact = true;
    return r;
  }

  const double n = nx + ny;
  const double variance = nx * ny / 12.0 * ((n + 1) - tie_term / (n * (n - 1)));
  if (variance <= 0) {  // every value identical: no evidence of a shift
    r.p_value = 1.0;
    return r;
  }
  const double z = std::max(0.0, std::abs(r.u - mean_u) - 0.5) / std::sqrt(variance);
  r.p_value = std::min(1.0, 2.0 * normal_sf(z));
  return r;
}

}  // namespace moat::reports
