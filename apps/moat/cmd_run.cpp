// `moat run SCENARIO...`: expand cases, check each against its oracle, time it, predict it, and
// stream the results document case by case.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "apps/moat/commands.hpp"
#include "apps/moat/run_progress.hpp"
#include "bench/harness.hpp"
#include "bench/host_profile.hpp"
#include "bench/instruction_count.hpp"
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
  bool instructions = false;        // --instructions: also count under callgrind
  std::string instructions_child;   // hidden: this process is that callgrind child; dump dir
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
  if (a.instructions) os << " --instructions";
  return os.str();
}

// The callgrind child's arguments: what decides the cases and their inputs, nothing that times.
std::vector<std::string> child_args(const RunArgs& a, const std::string& dump_dir) {
  std::vector<std::string> args = {"run"};
  args.insert(args.end(), a.scenarios.begin(), a.scenarios.end());
  if (!a.preset.empty()) args.insert(args.end(), {"--preset", a.preset});
  for (const auto& ax : a.axes) args.insert(args.end(), {"--axis", ax});
  if (!a.filter.empty()) args.insert(args.end(), {"--filter", a.filter});
  if (a.warmup >= 0) args.insert(args.end(), {"--warmup", std::to_string(a.warmup)});
  args.insert(args.end(), {"--seed", std::to_string(a.seed), "--hardware", "none",
                           "--instructions-child", dump_dir});
  return args;
}

// Deterministic mode, parent side: runs every case once under callgrind (one child process for
// the whole run) and returns case index -> instruction count of one timed-region execution.
std::map<std::size_t, std::uint64_t> count_all_instructions(const RunArgs& a, std::size_t total) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "moat-callgrind-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw Error("--instructions: cannot create a directory in " +
                                           fs::temp_directory_path().string());
  const std::string dir = tmpl;
  std::cerr << "moat: counting instructions of " << total << " cases under callgrind...\n";
  int status = 0;
  std::map<std::string, std::uint64_t> dumps;
  try {
    status = run_self_under_callgrind(child_args(a, dir), dir);
    dumps = read_callgrind_dumps(dir);
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
  fs::remove_all(dir);
  if (status != 0)
    throw Error("--instructions: the callgrind child (valgrind --tool=callgrind moat run ... "
                "--instructions-child) exited with status " + std::to_string(status));
  std::map<std::size_t, std::uint64_t> counts;
  for (std::size_t i = 0; i < total; ++i)
    if (auto it = dumps.find(case_dump_label(i)); it != dumps.end()) counts[i] = it->second;
  return counts;
}

// Deterministic mode, child side (under callgrind): check, warm up and count every case.
int run_instructions_child(const RunArgs& a, const std::vector<Scenario>& scenarios,
                           const std::vector<std::vector<Case>>& cases) {
  if (!running_under_valgrind())
    throw Error("--instructions-child is internal to `moat run --instructions` and only runs "
                "under valgrind's callgrind");
  Kokkos::ScopeGuard kokkos;
  std::size_t index = 0;
  for (std::size_t si = 0; si < scenarios.size(); ++si) {
    HarnessOptions opts;
    opts.timing = scenarios[si].timing_or_default();
    if (a.warmup >= 0) opts.timing.warmup_runs = a.warmup;
    opts.seed = a.seed;
    for (const auto& c : cases[si]) {
      std::string why = count_case_instructions(c, opts, index++, a.instructions_child);
      if (!why.empty() && c.skip_reason.empty())
        std::cerr << "moat (callgrind): not counted: " << c.name << ": " << why << "\n";
    }
  }
  return 0;
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
  if (!a.instructions_child.empty()) return run_instructions_child(a, scenarios, cases);

  // Deterministic mode: count first (one callgrind child for all cases), so that the results
  // are still streamed case by case below.
  nlohmann::json instructions_ctx = nullptr;
  std::map<std::size_t, std::uint64_t> instruction_counts;
  if (a.instructions) {
    instructions_ctx = {{"tool", "callgrind"},
                        {"valgrind", valgrind_version()},
                        {"region", "one execution of the timed region (kernel + fence) after the "
                                   "oracle check and warm-up"}};
    instruction_counts = count_all_instructions(a, total);
  }

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
                        (a.hardware != "auto" ? " --hardware " + a.hardware : "") +
                        (a.instructions ? " --instructions" : "");
    options.push_back(opts);
  }
  const TimingOptions& t0 = options.front().timing;
  ctx["timing"] = {{"method", KernelTimer::method},   {"cache", t0.cache},
                   {"repetitions", t0.repetitions},   {"min_time_s", t0.min_time_s},
                   {"warmup_runs", t0.warmup_runs}, {"seed", a.seed}};
  ctx["instructions"] = instructions_ctx;

  const std::string out = a.out.empty() ? default_out_path(scenarios.front().name) : a.out;
  ResultsWriter writer(out, ctx);
  std::cerr << "moat: " << total << " cases -> " << out << "\n";
  RunProgress progress(total);
  int failures = 0;
  std::size_t index = 0;
  for (std::size_t si = 0; si < scenarios.size(); ++si) {
    for (const auto& c : cases[si]) {
      nlohmann::json rec = run_case(c, options[si]);
      if (a.instructions && rec["status"] == "ok") {
        if (auto it = instruction_counts.find(index); it != instruction_counts.end()) {
          rec["instructions"] = it->second;
        } else {
          for (const char* k : {"samples_s", "summary", "achieved", "iterations_per_sample"})
            rec.erase(k);
          rec["status"] = "error";
          rec["reason"] = "--instructions: not counted under callgrind (see the callgrind child's "
                          "messages above)";
        }
      }
      ++index;
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
  cmd->add_flag("--instructions", a.instructions,
                "Also record each case's instruction count (one execution of the timed region) "
                "under valgrind's callgrind: deterministic mode for `moat compare`");
  cmd->add_option("--instructions-child", a.instructions_child)->group("");  // internal
  cmd->callback([] { exit_code() = run(a); });
}

}  // namespace moat::cli
