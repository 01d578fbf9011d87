#pragma once
// Builders for synthetic `moat.results` documents, so each test states exactly the samples,
// statuses and environment it exercises.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace moat::reports::testing {

struct SyntheticCase {
  std::string variant = "attention.dense";
  nlohmann::json params = nlohmann::json::object();
  std::string dtype = "fp32";
  std::string implementation = "moat";
  std::string status = "ok";
  std::string reason;
  std::vector<double> samples;
  std::optional<double> instructions;
  std::optional<double> predicted_s;
  std::optional<double> flops;  // matrix FLOPs
  std::optional<double> bytes_dram;
};

struct SyntheticRun {
  std::string sha = "1111111111111111111111111111111111111111";
  std::string started_at = "2026-11-23T08:00:00Z";
  std::string cpu = "Test CPU 3000";
  std::string profile_id = "host-measured";
  std::string profile_path;
  std::string execution_space = "Serial";
  std::string build_type = "Release";
  std::string status = "complete";
};

// "variant?k=v,..." in the params' (sorted) key order, as results-schema.md builds names.
std::string case_name(const SyntheticCase& c);
std::string case_id(const SyntheticCase& c);  // name|dtype|moat|Serial|warm

nlohmann::json results_doc(const SyntheticRun& run, const std::vector<SyntheticCase>& cases);

// n samples spread evenly over median * [1 - spread, 1 + spread]; `phase` in [0, 1) shifts the
// grid so two runs' samples interleave without ties.
std::vector<double> even_samples(double median, double spread, int n, double phase = 0.5);

// n samples median * exp(sigma * N(0,1)), deterministic for a seed.
std::vector<double> lognormal_samples(double median, double sigma, int n, std::uint64_t seed);

// Writes text to a fresh file under the test temp dir and returns its path.
std::string write_temp_file(const std::string& name, const std::string& text);
std::string fresh_temp_dir(const std::string& name);

}  // namespace moat::reports::testing
