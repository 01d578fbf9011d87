#pragma once
// Entry points `moat predict` uses for scenario files with top-level kind = "model".
#include <ostream>
#include <string>

namespace moat::model {

// True when the file parses as TOML and has top-level kind = "model".
bool is_model_scenario(const std::string& path);

// Runs the model scenario (a procurement comparison), prints the ranked table to `out` and, when
// `json_out` is not empty, writes the moat.procurement JSON there. Returns the exit code (0).
// Throws moat::Error for malformed scenarios (file:line:col and a hint).
int predict_model_scenario(const std::string& path, const std::string& json_out, std::ostream& out);

}  // namespace moat::model
