// `moat list`: every registered variant with its family, summary and parameter schema.
#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/moat/commands.hpp"
#include "core/variant.hpp"

namespace moat::cli {

namespace {

nlohmann::json schema_json(const ParamSchema& schema) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : schema) {
    nlohmann::json j = {{"name", p.name}, {"type", to_string(p.type)}, {"doc", p.doc}};
    if (p.default_value)
      std::visit([&](const auto& v) { j["default"] = v; }, *p.default_value);
    else
      j["required"] = true;
    if (p.min) j["min"] = *p.min;
    if (p.max) j["max"] = *p.max;
    if (!p.choices.empty()) j["choices"] = p.choices;
    out.push_back(j);
  }
  return out;
}

}  // namespace

void add_list_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("list", "List registered variants with family and parameters");
  static bool as_json = false;
  static std::string family;
  cmd->add_flag("--json", as_json, "Machine-readable output");
  cmd->add_option("--family", family, "Only variants whose family or name contains this text");
  cmd->callback([] {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& v : variant_specs()) {
      if (!family.empty() && v.family.find(family) == std::string::npos &&
          v.name.find(family) == std::string::npos)
        continue;
      if (as_json) {
        nlohmann::json dtypes = nlohmann::json::array();
        for (auto d : v.dtypes) dtypes.push_back(to_string(d));
        all.push_back({{"name", v.name},
                       {"family", v.family},
                       {"summary", v.summary},
                       {"reference", v.reference},
                       {"dtypes", dtypes},
                       {"parameters", schema_json(v.params)}});
        continue;
      }
      std::cout << v.name << "  [" << v.family << "]\n    " << v.summary << "\n    params:";
      for (const auto& p : v.params) {
        std::cout << " " << p.name << ":" << to_string(p.type);
        if (p.default_value) std::cout << "=" << to_string(*p.default_value);
      }
      if (v.dtypes.size() > 1) {  // fp32 alone is the default: say only when there is a choice
        std::cout << "\n    dtypes:";
        for (DType t : v.dtypes) std::cout << " " << to_string(t);
      }
      std::cout << "\n";
    }
    if (as_json) std::cout << all.dump(2) << "\n";
  });
}

}  // namespace moat::cli
