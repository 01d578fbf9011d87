#include "reports/procurement_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "reports/json_input.hpp"

namespace moat::reports {

namespace {

std::string cell_text(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number()) return fmt::format("{:.4g}", v.get<double>());
  return v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

ProcurementTable load_procurement_table(const std::string& path) {
  // Parsed with ordered_json to keep the column order the producer chose; syntax errors reuse
  // the line:col reporting of read_json_file.
  const nlohmann::json checked = read_json_file(path);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const auto doc = nlohmann::ordered_json::parse(text.str());

  const JsonNode root(checked, path);
  const std::string schema = root.at("schema").string();
  if (schema != "moat.procurement")
    root.at("schema").fail("expected \"moat.procurement\", got \"" + schema + "\"");
  const auto rankings_node = root.at("rankings");
  rankings_node.items();  // validates that it is an array

  ProcurementTable table;
  table.file = path;
  if (doc.contains("title") && doc["title"].is_string())
    table.title = doc["title"].get<std::string>();
  const auto& rankings = doc["rankings"];
  for (std::size_t i = 0; i < rankings.size(); ++i) {
    if (!rankings[i].is_object()) rankings_node.at(i).fail("each ranking must be an object");
    for (const auto& [key, value] : rankings[i].items())
      if (std::find(table.columns.begin(), table.columns.end(), key) == table.columns.end())
        table.columns.push_back(key);
  }
  for (const auto& r : rankings) {
    std::vector<std::string> row;
    for (const auto& col : table.columns) row.push_back(r.contains(col) ? cell_text(r[col]) : "");
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace moat::reports
