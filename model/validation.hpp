#pragma once
// How good the model is on measured results: the error |measured / predicted - 1| per kernel family
// and overall, over cases with status "ok" that carry a prediction; and how often the measurement
// falls inside the predicted band (an honest band is neither always nor rarely hit).
#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "model/hardware_profile.hpp"

namespace moat::model {

struct ValidationStats {
  std::string family;  // "" for the overall row
  int cases = 0;
  double median_error = 0;  // median of |measured / predicted - 1|
  double p90_error = 0;     // 90th percentile of the same
  double median_ratio = 0;  // median of measured / predicted (> 1: the model is optimistic)
  int with_band = 0;        // cases whose prediction records its band [low_s, high_s]
  double within_band = 0;   // fraction of those whose measured median lies inside it (NaN: none)
};

// One compared case: what a p90 is made of.
struct ValidationCase {
  std::string name, family;
  double measured_s = 0, predicted_s = 0;
  std::string dtype = "fp32";  // storage: names do not carry it, code-path curves do
  double error() const { return std::abs(measured_s / predicted_s - 1); }
};

struct ValidationSummary {
  std::vector<ValidationStats> families;  // sorted by family name
  ValidationStats overall;
  int without_prediction = 0;         // ok cases that had no prediction to compare with
  std::vector<ValidationCase> cases;  // every compared case, largest error first
};

ValidationSummary summarize_validation(const nlohmann::json& results_doc);

// A copy of the results whose ok cases are predicted again from their recorded work (family,
// variant, code path, dtype) with `hw` (calibration applied): judges a profile against
// measurements taken before it was fitted. With `family_only`, path and variant curves are
// ignored, as for variants the fit never saw. Cases without recorded work keep no prediction.
nlohmann::json repredict(const nlohmann::json& results_doc, const HardwareProfile& hw,
                         bool family_only = false);
// The table, then the `worst` cases with the largest errors (0: none).
void print_validation(const ValidationSummary& s, std::ostream& out, int worst = 5);
nlohmann::json validation_to_json(const ValidationSummary& s);

}  // namespace moat::model
