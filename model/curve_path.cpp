#include "model/curve_path.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace moat::model {

std::string curve_path(const std::string& variant, const std::string& dtype,
                       const nlohmann::json& params) {
  if (variant.empty()) return "";
  std::string key = variant;
  if (!dtype.empty() && dtype != "fp32") key += "|" + dtype;
  if (!params.is_object()) return key;
  std::vector<std::pair<std::string, std::string>> selectors;
  for (const auto& [name, value] : params.items()) {
    if (value.is_boolean())
      selectors.emplace_back(name, value.get<bool>() ? "true" : "false");
    else if (value.is_string())
      selectors.emplace_back(name, value.get<std::string>());
  }
  // nlohmann::json objects iterate in key order already; sorting keeps the key independent of
  // the JSON type used.
  std::sort(selectors.begin(), selectors.end());
  for (const auto& [name, value] : selectors) key += "|" + name + "=" + value;
  return key;
}

std::string curve_path_of_case(const nlohmann::json& c) {
  if (!c.is_object()) return "";
  auto text = [&](const char* field, const char* fallback) {
    auto it = c.find(field);
    return it != c.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
  };
  auto params = c.find("params");
  return curve_path(text("variant", ""), text("dtype", "fp32"),
                    params != c.end() ? *params : nlohmann::json::object());
}

}  // namespace moat::model
