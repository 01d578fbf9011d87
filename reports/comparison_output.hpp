#pragma once
// A comparison as a plain-text table for the terminal and as a `moat.comparison` JSON document.
#include <nlohmann/json.hpp>
#include <string>

#include "reports/compare.hpp"

namespace moat::reports {

inline constexpr const char* kComparisonSchema = "moat.comparison";
inline constexpr int kComparisonSchemaVersion = 1;

std::string comparison_text(const Comparison& c);
nlohmann::json comparison_json(const Comparison& c);

}  // namespace moat::reports
