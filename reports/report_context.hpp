#pragma once
// Everything a report is made from: the head run, optionally a base run with its comparison,
// hardware profiles for roofs, a history and a procurement ranking.
#include <optional>
#include <string>
#include <vector>

#include "reports/compare.hpp"
#include "reports/history_analysis.hpp"
#include "reports/procurement_table.hpp"
#include "reports/results_document.hpp"

namespace moat::reports {

struct ReportContext {
  ResultsDocument head;
  std::optional<ResultsDocument> base;
  std::optional<Comparison> comparison;  // set whenever base is
  std::vector<std::string> hardware_files;
  std::vector<CaseHistory> history;  // empty when no store was given
  std::optional<ProcurementTable> procurement;
  double model_outlier_factor = 2.0;  // measured/predicted beyond [1/f, f] is an outlier
};

// Cases whose measured_over_predicted lies outside [1/f, f], furthest from 1 first.
std::vector<const CaseRecord*> model_outliers(const ResultsDocument& run, double factor);

struct GeomeanRatio {
  double ratio = 1, low = 1, high = 1;
  std::size_t cases = 0;
};
// Geometric mean of head/base over the timed cases, with a bootstrap CI across cases.
std::optional<GeomeanRatio> geomean_ratio(const Comparison& c);

}  // namespace moat::reports
