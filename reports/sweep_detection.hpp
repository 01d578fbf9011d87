#pragma once
// Sweeps: cases of one variant (same dtype, implementation, backend, cache) that differ in exactly
// one numeric parameter, so time can be plotted along that axis.
#include <optional>
#include <string>
#include <vector>

#include "reports/results_document.hpp"

namespace moat::reports {

struct Sweep {
  std::string variant;
  std::string axis;   // the parameter that varies
  std::string fixed;  // the other parameters and the case-id suffix, for the title
  std::vector<double> x;
  std::vector<double> median_s;
  std::vector<std::optional<double>> predicted_s;
};

inline constexpr std::size_t kMinSweepPoints = 3;

// Sweeps with at least kMinSweepPoints distinct values, longest first, at most max_sweeps.
std::vector<Sweep> detect_sweeps(const ResultsDocument& run, std::size_t max_sweeps,
                                 std::size_t* omitted = nullptr);

}  // namespace moat::reports
