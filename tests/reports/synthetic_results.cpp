#include "synthetic_results.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "reports/bootstrap.hpp"

namespace moat::reports::testing {

std::string case_name(const SyntheticCase& c) {
  std::string name = c.variant + "?";
  bool first = true;
  for (const auto& [k, v] : c.params.items()) {
    name += (first ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    first = false;
  }
  return name;
}

std::string case_id(const SyntheticCase& c) {
  return case_name(c) + "|" + c.dtype + "|" + c.implementation + "|Serial|warm";
}

nlohmann::json results_doc(const SyntheticRun& run, const std::vector<SyntheticCase>& cases) {
  nlohmann::json out_cases = nlohmann::json::array();
  for (const auto& c : cases) {
    nlohmann::json j = {
        {"id", case_id(c)},
        {"name", case_name(c)},
        {"variant", c.variant},
        {"family", "test/family"},
        {"implementation", c.implementation},
        {"params", c.params},
        {"dtype", c.dtype},
        {"backend", "Serial"},
        {"cache", "warm"},
        {"status", c.status},
        {"reason", c.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.reason)},
        {"counters", nlohmann::json::object()},
        {"repro", "moat run scenarios/test.toml --filter '" + case_name(c) + "'"}};
    if (c.status == "ok") {
      j["samples_s"] = c.samples;
      j["iterations_per_sample"] = 10;
    }
    if (c.instructions) j["instructions"] = *c.instructions;
    if (c.flops || c.bytes_dram)
      j["work"] = {
          {"flops_matrix", c.flops.value_or(0)},    {"flops_vector", 0}, {"special_ops", 0},
          {"bytes_dram", c.bytes_dram.value_or(0)}, {"bytes_onchip", 0}, {"launches", 1}};
    if (c.predicted_s && c.status == "ok") {
      std::vector<double> sorted = c.samples;
      std::sort(sorted.begin(), sorted.end());
      const double median = sorted[sorted.size() / 2];
      j["prediction"] = {
          {"seconds", *c.predicted_s}, {"bound", "memory"}, {"hardware", run.profile_id}};
      j["measured_over_predicted"] = median / *c.predicted_s;
    }
    out_cases.push_back(j);
  }
  return {
      {"schema", "moat.results"},
      {"schema_version", 1},
      {"status", run.status},
      {"run",
       {{"started_at", run.started_at},
        {"finished_at", run.started_at},
        {"command", "moat run scenarios/test.toml --preset ci"},
        {"scenario",
         {{"path", "scenarios/test.toml"}, {"name", "test"}, {"preset", "ci"}, {"sha256", "00"}}},
        {"git", {{"sha", run.sha}, {"dirty", false}}},
        {"build",
         {{"type", run.build_type}, {"compiler", "GNU 12.2.0"}, {"moat_version", "0.1.0"}}},
        {"kokkos", {{"version", "3.4.1"}, {"execution_space", run.execution_space}}},
        {"host",
         {{"hostname", "testhost"},
          {"cpu", run.cpu},
          {"logical_cores", 2},
          {"memory_bytes", 1 << 30}}},
        {"device", nullptr},
        {"hardware_profile",
         {{"id", run.profile_id}, {"path", run.profile_path}, {"provenance", "measured"}}},
        {"timing", {{"method", "steady_clock+fence"}, {"cache", "warm"}, {"repetitions", 10}}}}},
      {"cases", out_cases}};
}

std::vector<double> even_samples(double median, double spread, int n, double phase) {
  std::vector<double> out;
  for (int k = 0; k < n; ++k) {
    const double u = n == 1 ? 0 : -1 + 2 * (k + phase) / n;  // in (-1, 1)
    out.push_back(median * (1 + spread * u));
  }
  return out;
}

std::vector<double> lognormal_samples(double median, double sigma, int n, std::uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<double> out;
  while (static_cast<int>(out.size()) < n) {
    // Box-Muller on two uniforms in (0, 1].
    const double u1 = (static_cast<double>(rng.next() >> 11) + 1) / 9007199254740992.0;
    const double u2 = static_cast<double>(rng.next() >> 11) / 9007199254740992.0;
    const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
    out.push_back(median * std::exp(sigma * z));
  }
  return out;
}

std::string fresh_temp_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("moat_reports_tests_" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string write_temp_file(const std::string& name, const std::string& text) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("moat_reports_tests_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

}  // namespace moat::reports::testing
