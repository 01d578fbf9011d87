#include "reports/hodges_lehmann.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "reports/mann_whitney.hpp"
#include "reports/normal_distribution.hpp"
#include "reports/stats_descriptive.hpp"

namespace moat::reports {

ShiftEstimate hodges_lehmann_shift(const std::vector<double>& x, const std::vector<double>& y,
                                   double level) {
  if (x.empty() || y.empty()) throw Error("Hodges-Lehmann estimate needs two non-empty samples");
  if (!(level > 0 && level < 1)) throw Error("confidence level must lie in (0, 1)");
  std::vector<double> diffs;
  diffs.reserve(x.size() * y.size());
  for (double xi : x)
    for (double yj : y) diffs.push_back(xi - yj);
  std::sort(diffs.begin(), diffs.end());

  ShiftEstimate s;
  s.estimate = median(diffs);
  const double tail = (1 - level) / 2;
  const std::size_t nm = diffs.size();

  // c = number of differences cut from each end; -1 means no interval at this level.
  long c = -1;
  double tail_prob = 0;
  if (nm <= kExactMaxProduct) {
    const auto cdf = mann_whitney_exact_cdf(x.size(), y.size());
    for (std::size_t u = 0; u < cdf.size() && cdf[u] <= tail; ++u) {
      c = static_cast<long>(u);
      tail_prob = cdf[u];
    }
  } else {
    const double nx = static_cast<double>(x.size());
    const double ny = static_cast<double>(y.size());
    const double mean_u = nx * ny / 2;
    const double sd_u = std::sqrt(nx * ny * (nx + ny + 1) / 12);
    c = static_cast<long>(std::floor(mean_u - normal_quantile(1 - tail) * sd_u - 0.5));
    if (c >= 0) tail_prob = normal_cdf((static_cast<double>(c) + 0.5 - mean_u) / sd_u);
  }
  if (c < 0) {
    s.ci_low = -std::numeric_limits<double>::infinity();
    s.ci_high = std::numeric_limits<double>::infinity();
    s.achieved_level = 1;
    return s;
  }
  s.ci_low = diffs[static_cast<std::size_t>(c)];
  s.ci_high = diffs[nm - 1 - static_cast<std::size_t>(c)];
  s.achieved_level = 1 - 2 * tail_prob;
  return s;
}

}  // namespace moat::reports
