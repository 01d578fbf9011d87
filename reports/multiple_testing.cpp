#include "reports/multiple_testing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace moat::reports {

std::vector<double> benjamini_hochberg(const std::vector<double>& p_values) {
  std::vector<double> q(p_values.size(), std::numeric_limits<double>::quiet_NaN());
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < p_values.size(); ++i) {
    if (std::isnan(p_values[i])) continue;
    if (p_values[i] < 0 || p_values[i] > 1) throw Error("p-value outside [0, 1]");
    order.push_back(i);
  }
  // Stable sort keeps equal p-values in input order, so the result does not depend on the sort.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
  const double m = static_cast<double>(order.size());
  double running_min = 1.0;
  for (std::size_t k = order.size(); k-- > 0;) {
    const double rank = static_cast<double>(k + 1);
    running_min = std::min(running_min, p_values[order[k]] * m / rank);
    q[order[k]] = running_min;
  }
  return q;
}

}  // namespace moat::reports
