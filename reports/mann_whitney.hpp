#pragma once
// Mann-Whitney U (Wilcoxon rank-sum) test, two-sided, and the exact null distribution of U that
// the Hodges-Lehmann interval also needs.
#include <cstddef>
#include <vector>

namespace moat::reports {

struct MannWhitneyResult {
  double u = 0;        // U of x: #{(i,j): x_i > y_j} + 0.5 #{x_i == y_j}
  double p_value = 1;  // two-sided
  bool exact = false;  // exact null distribution (no ties, small samples) vs normal approximation
};

// Exact distribution is used when there are no ties and nx * ny <= kExactMaxProduct; otherwise the
// normal approximation with tie-corrected variance and a 0.5 continuity correction.
inline constexpr std::size_t kExactMaxProduct = 400;

MannWhitneyResult mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y);

// P(U <= u) under H0 for sample sizes nx, ny without ties, u = 0..nx*ny. Element u of the result.
std::vector<double> mann_whitney_exact_cdf(std::size_t nx, std::size_t ny);

}  // namespace moat::reports
