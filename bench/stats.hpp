#pragma once
// Summary of a case's timing samples: median with a distribution-free confidence interval.
#include <vector>

namespace moat {

struct SampleSummary {
  double median = 0, mean = 0, min = 0, max = 0, stddev = 0, cv = 0;
  double ci_low = 0, ci_high = 0;  // order-statistic interval for the median
  double ci_level = 0;             // its exact coverage (0.95 target; lower for tiny n)
};

SampleSummary summarize_samples(std::vector<double> samples);

}  // namespace moat
