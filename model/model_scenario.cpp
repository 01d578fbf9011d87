#include "model/model_scenario.hpp"

#include <toml++/toml.h>

#include "model/procurement/procurement_report.hpp"

namespace moat::model {

bool is_model_scenario(const std::string& path) {
  try {
    toml::table t = toml::parse_file(path);
    return t["kind"].value_or(std::string()) == "model";
  } catch (const toml::parse_error&) {
    return false;
  }
}

int predict_model_scenario(const std::string& path, const std::string& json_out, std::ostream& out) {
  ProcurementResult r = run_procurement(path);
  print_procurement(r, out);
  if (!json_out.empty()) {
    write_procurement_json(r, json_out);
    out << "wrote " << json_out << "\n";
  }
  return 0;
}

}  // namespace moat::model
