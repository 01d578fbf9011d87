#pragma once
// Benjamini-Hochberg false-discovery-rate adjustment across the cases of one comparison.
#include <vector>

namespace moat::reports {

// q-values in the input order: q_(i) = min_{j >= i} min(1, p_(j) m / j) over the sorted p-values.
// NaN entries (cases without a test) stay NaN and do not count towards m.
std::vector<double> benjamini_hochberg(const std::vector<double>& p_values);

}  // namespace moat::reports
