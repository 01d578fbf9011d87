#pragma once
// The measured cases of a results document (docs/results-schema.md) the model learns from or is
// judged against: status "ok", with a median time. Reads only the fields it needs.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/cost.hpp"
#include "core/dtype.hpp"

namespace moat::model {

struct MeasuredCase {
  std::string name;
  std::string family;
  std::string variant;
  std::string path;                   // code path: curve_path_of_case() (model/curve_path.hpp)
  std::string storage = "fp32";       // "dtype": storage, sets the bytes (absent: fp32)
  DType dtype = DType::fp32;          // math_dtype(): sets the compute rates predicted
  double measured_s = 0;              // summary.median_s
  std::optional<Cost> work;           // the case's cost, when recorded
  std::optional<double> predicted_s;  // prediction.seconds, when recorded
  std::string bound;                  // prediction.bound, when recorded
  std::optional<double> low_s;        // prediction.low_s / high_s: the band, when recorded
  std::optional<double> high_s;
};

// Throws moat::Error when the document is not a moat.results document.
std::vector<MeasuredCase> measured_cases(const nlohmann::json& results_doc);

// The arithmetic a recorded case ran ("math"): it sets the compute rates a prediction uses, not
// the storage dtype; results written before the field existed computed in fp32.
DType math_dtype(const nlohmann::json& result_case);

// Parses a results file. Throws moat::Error naming the file when it cannot be read or parsed.
nlohmann::json read_results_file(const std::string& path);

}  // namespace moat::model
