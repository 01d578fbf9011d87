#pragma once
// Change points in one case's history: binary segmentation on log values with a permutation test
// (deterministic: seeded) and a minimum effect size, so noise and tiny drifts are not reported.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "reports/bootstrap.hpp"

namespace moat::reports {

struct ChangePointOptions {
  double min_effect = 0.05;  // |after/before - 1| of the segment medians must reach this
  double alpha = 0.01;       // permutation p-value needed to split a segment
  int permutations = 999;
  std::size_t min_segment = 3;  // points on each side of a split
  std::uint64_t seed = kDefaultBootstrapSeed;
};

struct ChangePoint {
  std::size_t index = 0;  // first point of the new level
  double before = 0;      // median of the segment ending at index - 1
  double after = 0;       // median of the segment starting at index
  double ratio = 1;       // after / before
  double p_value = 1;
};

// values > 0 in time order; result sorted by index.
std::vector<ChangePoint> detect_change_points(const std::vector<double>& values,
                                              const ChangePointOptions& options = {});

}  // namespace moat::reports
