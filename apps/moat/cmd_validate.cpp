// `moat validate RESULTS.json`: how far the model's predictions are from the measurements of a
// results document, per kernel family and overall (model/validation.hpp). Kokkos-free.
#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/moat/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "model/hardware_profile.hpp"
#include "model/results_cases.hpp"
#include "model/validation.hpp"

namespace moat::cli {

void add_validate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "validate", "Median and p90 of |measured/predicted - 1| per family and overall");
  static std::string results;
  static std::string json_out;
  cmd->add_option("results", results, "Results JSON written by `moat run`")->required();
  cmd->add_option("--json", json_out, "Also write the summary as JSON here");
  static std::string hardware;
  static bool family_only = false;
  cmd->add_option("--hardware", hardware,
                  "Predict the cases again from their recorded work with this profile (e.g. one "
                  "fitted after they were measured) instead of using the recorded predictions");
  cmd->add_flag(
      "--family-only", family_only,
      "With --hardware: ignore variant and code-path curves (as for variants the fit never saw)");
  static int worst = 5;
  cmd->add_option("--worst", worst, "List this many cases with the largest errors (0: none)")
      ->check(CLI::Range(0, 100000));
  cmd->callback([] {
    nlohmann::json doc = model::read_results_file(results);
    if (family_only && hardware.empty()) throw Error("--family-only needs --hardware PROFILE");
    if (!hardware.empty())
      doc = model::repredict(doc, model::load_hardware_profile(hardware), family_only);
    const model::ValidationSummary s = model::summarize_validation(doc);
    std::cout << "validation of " << results
              << (hardware.empty() ? std::string()
                                   : " re-predicted with " + hardware +
                                         (family_only ? " (family curves only)" : ""))
              << "\n";
    model::print_validation(s, std::cout, worst);
    if (!json_out.empty()) {
      nlohmann::json j = model::validation_to_json(s);
      j["results"] = results;
      j["repredicted_with"] = hardware.empty() ? nlohmann::json(nullptr) : nlohmann::json(hardware);
      j["family_only"] = family_only;
      if (auto run = doc.find("run"); run != doc.end() && run->is_object()) {
        j["command"] = run->value("command", "");
        if (auto hp = run->find("hardware_profile"); hp != run->end()) j["hardware_profile"] = *hp;
      }
      write_file_atomically(json_out, j.dump(2) + "\n");
      std::cout << "moat: wrote " << json_out << "\n";
    }
  });
}

}  // namespace moat::cli
