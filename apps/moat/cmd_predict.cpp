// `moat predict SCENARIO`: the model alone. Kernel scenarios: predicted time and bound per case
// on each given hardware profile. Model scenarios (kind = "model"): the model's own report.
#include <cstdio>
#include <iostream>

#include "apps/moat/commands.hpp"
#include "bench/case_record.hpp"
#include "bench/results_writer.hpp"
#include "core/atomic_file.hpp"
#include "model/hardware_profile.hpp"
#if MOAT_HAS_MODEL_SCENARIOS
#include "model/model_scenario.hpp"
#include "model/models/expert_parallel_scenario.hpp"
#endif

namespace moat::cli {

namespace {

struct PredictArgs {
  std::string scenario;
  std::vector<std::string> hardware;
  std::string preset;
  std::vector<std::string> axes;
  std::string filter;
  std::string out;
};

int predict(const PredictArgs& a) {
  if (scenario_kind(a.scenario) == "model") {
#if MOAT_HAS_MODEL_SCENARIOS
    if (model::is_expert_parallel_scenario(a.scenario))
      return model::predict_expert_parallel_scenario(a.scenario, a.out, std::cout);
    return model::predict_model_scenario(a.scenario, a.out, std::cout);
#else
    throw Error(a.scenario + ": model scenarios need the model library's scenario support");
#endif
  }
  if (a.hardware.empty())
    throw Error("--hardware: give at least one hardware profile (e.g. model/hardware/h100-sxm.toml)");
  ExpandOptions expand{a.preset, {}, a.filter};
  for (const auto& ax : a.axes) expand.axis_overrides.push_back(parse_axis_flag(ax));
  Scenario sc = load_scenario(a.scenario);
  auto cases = expand_cases(sc, expand);
  nlohmann::json doc = {{"schema", "moat.results"},
                        {"schema_version", 1},
                        {"status", "complete"},
                        {"run", {{"command", "moat predict " + a.scenario}, {"predicted_only", true}}},
                        {"cases", nlohmann::json::array()}};
  for (const auto& path : a.hardware) {
    model::HardwareProfile hw = model::load_hardware_profile(path);
    std::printf("# %s (%s, %s)\n", hw.name.c_str(), hw.id.c_str(), hw.provenance.c_str());
    std::printf("%-14s %-9s %10s %10s %10s  %s\n", "predicted", "bound", "compute", "memory",
                "special", "case");
    for (const auto& c : cases) {
      if (!c.skip_reason.empty()) continue;
      auto rec = predict_case(c, &hw, "moat predict " + a.scenario, "model");
      const auto& p = rec["prediction"];
      std::printf("%11.4g ms %-9s %8.3g ms %8.3g ms %8.3g ms  %s %s\n",
                  p["seconds"].get<double>() * 1e3, p["bound"].get<std::string>().c_str(),
                  p["compute_s"].get<double>() * 1e3, p["memory_s"].get<double>() * 1e3,
                  p["special_s"].get<double>() * 1e3, c.name.c_str(), to_string(c.dtype).c_str());
      doc["cases"].push_back(std::move(rec));
    }
  }
  if (!a.out.empty()) write_file_atomically(a.out, doc.dump(1) + "\n");
  return 0;
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("predict", "Predict scenario cases with the analytic model (no kernels run)");
  static PredictArgs a;
  cmd->add_option("scenario", a.scenario, "Scenario file (kernel or model scenario)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--hardware", a.hardware, "Hardware profile TOML files (kernel scenarios)");
  cmd->add_option("--preset", a.preset, "Tier: smoke | ci | full");
  cmd->add_option("--axis", a.axes, "Replace an axis: name=v1,v2 (repeatable)");
  cmd->add_option("--filter", a.filter, "Only cases whose name contains this text");
  cmd->add_option("-o,--out", a.out, "Write the predictions as JSON");
  cmd->callback([] { exit_code() = predict(a); });
}

}  // namespace moat::cli
