// `moat run SCENARIO...`: expand cases, check each against its oracle, time it, predict it, and
// stream the results document case by case.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "apps/moat/commands.hpp"
#include "apps/moat/run_progress.hpp"
#include "bench/harness.hpp"
#include "bench/host_profile.hpp"
#include "bench/results_writer.hpp"
#include "bench/run_context.hpp"
#include "bench/timer.hpp"
#include "kernels/common/compat.hpp"

namespace moat::cli {

namespace {

struct RunArgs {
  std::vector<std::string> scenarios;
  std::string preset;
  std::vector<std::string> axes;
  std::string filter;
  std::string out;
  std::string hardware = "auto";
  int repetitions = 0;
  double min_time = 0;
  int warmup = -1;
  std::string cache;
  std::uint64_t seed = 1;
  bool list_only = false;
};

std::string file_hash(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  char c;
  while (f.get(c)) h = (h ^ std::uint8_t(c)) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string default_out_path(const std::string& scenario_name) {
  std::string stamp = utc_now_iso8601();
  for (auto& ch : stamp)
    if (ch == ':') ch = '-';
  return "results/runs/" + scenario_name + "-" + stamp + ".json";
}

std::string command_line(const RunArgs& a) {
  std::ostringstream os;
  os << "moat run";
  for (const auto& s : a.scenarios) os << " " << s;
  if (!a.preset.empty()) os << " --preset " << a.preset;
  for (const auto& ax : a.axes) os << " --axis " << ax;
  if (a.hardware != "auto") os << " --hardware " << a.hardware;
  if (!a.cache.empty()) os << " --cache " << a.cache;
  return os.str();
}

int run(const RunArgs& a) {
  ExpandOptions expand;
  expand.preset = a.preset;
  expand.filter = a.filter;
  for (const auto& ax : a.axes) expand.axis_overrides.push_back(parse_axis_flag(ax));

  // Parse and expand everything before running anything: a typo fails fast.
  std::vector<Scenario> scenarios;
  std::vector<std::vector<Case>> cases;
  std::size_t total = 0;
  for (const auto& path : a.scenarios) {
    scenarios.push_back(load_scenario(path));
    cases.push_back(expand_cases(scenarios.back(), expand));
    total += cases.back().size();
  }
  if (a.list_only) {
    for (const auto& cs : cases)
      for (const auto& c : cs)
        std::cout << c.name << " " << to_string(c.dtype) << " " << c.implementation
                  << (c.skip_reason.empty() ? "" : "  (skipped: " + c.skip_reason + ")") << "\n";
    return 0;
  }
  if (total == 0) throw Error("no cases to run (check --filter / --preset)");

  Kokkos::ScopeGuard kokkos;
  ResolvedHardware hw = resolve_hardware(a.hardware);

  nlohmann::json ctx;
  ctx["command"] = command_line(a);
  ctx["scenarios"] = nlohmann::json::array();
  for (std::size_t i = 0; i < scenarios.size(); ++i)
    ctx["scenarios"].push_back({{"path", scenarios[i].path},
                                {"name", scenarios[i].name},
                                {"preset", a.preset.empty() ? "ci" : a.preset},
                                {"content_hash", file_hash(scenarios[i].path)}});
  ctx["git"] = git_context();
  ctx["build"] = build_context();
  ctx["kokkos"] = kokkos_context();
  ctx["host"] = host_context();
  ctx["device"] = device_context();
  ctx["hardware_profile"] = hw.profile ? nlohmann::json{{"id", hw.profile->id},
                                                        {"name", hw.profile->name},
                                                        {"path", hw.path},
                                                        {"provenance", hw.profile->provenance}}
                                       : nlohmann::json(nullptr);
  std::vector<HarnessOptions> options;
  for (const auto& sc : scenarios) {
    HarnessOptions opts;
    opts.timing = sc.timing_or_default();
    if (a.repetitions > 0) opts.timing.repetitions = a.repetitions;
    if (a.min_time > 0) opts.timing.min_time_s = a.min_time;
    if (a.warmup >= 0) opts.timing.warmup_runs = a.warmup;
    if (!a.cache.empty()) opts.timing.cache = a.cache;
    opts.seed = a.seed;
    opts.hardware = hw.profile ? &*hw.profile : nullptr;
    opts.repro_prefix = "moat run " + sc.path + (a.preset.empty() ? "" : " --preset " + a.preset) +
                        (a.hardware != "auto" ? " --hardware " + a.hardware : "");
    options.push_back(opts);
  }
  const TimingOptions& t0 = options.front().timing;
  ctx["timing"] = {{"method", KernelTimer::method},   {"cache", t0.cache},
                   {"repetitions", t0.repetitions},   {"min_time_s", t0.min_time_s},
                   {"warmup_runs", t0.warmup_runs}, {"seed", a.seed}};

  const std::string out = a.out.empty() ? default_out_path(scenarios.front().name) : a.out;
  ResultsWriter writer(out, ctx);
  std::cerr << "moat: " << total << " cases -> " << out << "\n";
  RunProgress progress(total);
  int failures = 0;
  for (std::size_t si = 0; si < scenarios.size(); ++si) {
    for (const auto& c : cases[si]) {
      nlohmann::json rec = run_case(c, options[si]);
      const std::string status = rec["status"];
      failures += status == "wrong_result" || status == "error";
      progress.report(rec);
      writer.add_case(std::move(rec));
    }
  }
  writer.finish();
  progress.summary(std::cerr);
  std::cerr << "moat: results written to " << out << "\n";
  return failures > 0 ? 1 : 0;
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Measure scenario cases (oracle check + timing) with predictions");
  static RunArgs a;
  cmd->add_option("scenarios", a.scenarios, "Scenario files (TOML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--preset", a.preset, "Tier: smoke | ci | full (default: the base axes = ci)");
  cmd->add_option("--axis", a.axes, "Replace an axis: name=v1,v2 (repeatable)");
  cmd->add_option("--filter", a.filter, "Only cases whose name contains this text");
  cmd->add_option("-o,--out", a.out, "Results JSON path (default results/runs/<scenario>-<time>.json)");
  cmd->add_option("--hardware", a.hardware,
                  "Profile for predictions: auto (this machine, calibrated), none, or a TOML file");
  cmd->add_option("--repetitions", a.repetitions, "Samples per case (overrides the scenario)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--min-time", a.min_time, "Seconds per sample (overrides the scenario)")
      ->check(CLI::Range(1e-6, 60.0));
  cmd->add_option("--warmup", a.warmup, "Warm-up executions before timing")->check(CLI::Range(0, 1000));
  cmd->add_option("--cache", a.cache, "warm | cold")->check(CLI::IsMember({"warm", "cold"}));
  cmd->add_option("--seed", a.seed, "Seed of the random inputs");
  cmd->add_flag("--list", a.list_only, "Print the expanded cases and exit");
  cmd->callback([] { exit_code() = run(a); });
}

}  // namespace moat::cli
