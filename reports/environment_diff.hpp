#pragma once
// Which environment fields differ between two runs. Timings from different hardware or build
// settings are not comparable, so compare refuses them unless told otherwise.
#include <string>
#include <vector>

#include "reports/results_document.hpp"

namespace moat::reports {

struct FieldDifference {
  std::string field;  // JSON path in the results document, e.g. "run.host.cpu"
  std::string base;
  std::string head;
};

std::vector<FieldDifference> environment_differences(const RunEnvironment& base,
                                                     const RunEnvironment& head);

// One line per field: "run.host.cpu: base 'X' vs head 'Y'".
std::string describe_differences(const std::vector<FieldDifference>& diffs);

}  // namespace moat::reports
