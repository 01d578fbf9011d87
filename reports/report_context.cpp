#include "reports/report_context.hpp"

#include <algorithm>
#include <cmath>

#include "reports/bootstrap.hpp"

namespace moat::reports {

std::vector<const CaseRecord*> model_outliers(const ResultsDocument& run, double factor) {
  std::vector<const CaseRecord*> out;
  const double limit = std::log(factor);
  for (const auto& c : run.cases)
    if (c.ok() && c.measured_over_predicted && *c.measured_over_predicted > 0 &&
        std::abs(std::log(*c.measured_over_predicted)) > limit)
      out.push_back(&c);
  std::stable_sort(out.begin(), out.end(), [](const CaseRecord* a, const CaseRecord* b) {
    return std::abs(std::log(*a->measured_over_predicted)) >
           std::abs(std::log(*b->measured_over_predicted));
  });
  return out;
}

std::optional<GeomeanRatio> geomean_ratio(const Comparison& c) {
  std::vector<double> logs;
  for (const auto& k : c.cases)
    if (k.mode == "time" && k.ratio) logs.push_back(std::log(*k.ratio));
  if (logs.empty()) return std::nullopt;
  const Interval mean = bootstrap_mean_ci(logs, c.options.ci_level);
  return GeomeanRatio{std::exp(mean.estimate), std::exp(mean.low), std::exp(mean.high),
                      logs.size()};
}

}  // namespace moat::reports
