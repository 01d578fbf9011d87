#pragma once
// Hodges-Lehmann estimate of the shift between two samples with its distribution-free confidence
// interval (inverted Mann-Whitney test). On log times the shift is the log of the time ratio.
#include <vector>

namespace moat::reports {

struct ShiftEstimate {
  double estimate = 0;  // median of all pairwise differences x_i - y_j
  double ci_low = 0;    // -inf / +inf when the samples are too small for the requested level
  double ci_high = 0;
  double achieved_level = 0;  // actual coverage of [ci_low, ci_high] (>= the requested level)
};

// Interval [d_(c+1), d_(nm-c)] of the sorted pairwise differences, c the largest integer with
// P(U <= c) <= (1 - level) / 2: exact U distribution for nx * ny <= kExactMaxProduct, otherwise
// the continuity-corrected normal approximation.
ShiftEstimate hodges_lehmann_shift(const std::vector<double>& x, const std::vector<double>& y,
                                   double level);

}  // namespace moat::reports
