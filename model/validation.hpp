#pragma once
// How good the model is on measured results: the error |measured / predicted - 1| per kernel family
// and overall, over cases with status "ok" that carry a prediction.
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace moat::model {

struct ValidationStats {
  std::string family;       // "" for the overall row
  int cases = 0;
  double median_error = 0;  // median of |measured / predicted - 1|
  double p90_error = 0;     // 90th percentile of the same
  double median_ratio = 0;  // median of measured / predicted (> 1: the model is optimistic)
};

struct ValidationSummary {
  std::vector<ValidationStats> families;  // sorted by family name
  ValidationStats overall;
  int without_prediction = 0;             // ok cases that had no prediction to compare with
};

ValidationSummary summarize_validation(const nlohmann::json& results_doc);
void print_validation(const ValidationSummary& s, std::ostream& out);
nlohmann::json validation_to_json(const ValidationSummary& s);

}  // namespace moat::model
