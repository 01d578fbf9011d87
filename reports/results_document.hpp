#pragma once
// The parts of a `moat.results` document (docs/results-schema.md) that compare, history and the
// reports use, validated on load.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace moat::reports {

inline constexpr const char* kResultsSchema = "moat.results";
inline constexpr int kResultsSchemaVersion = 1;

// Fields that must match for two runs' timings to be comparable (see environment_diff.hpp).
struct RunEnvironment {
  std::string host_cpu;             // run.host.cpu
  std::string hardware_profile_id;  // run.hardware_profile.id
  std::string execution_space;      // run.kokkos.execution_space
  std::string build_type;           // run.build.type
  std::string device_name;          // run.device.name, "" when run.device is null
};

struct RunInfo {
  RunEnvironment environment;
  std::string started_at;
  std::string command;
  std::string scenario_name;
  std::string preset;
  std::string git_sha;
  bool git_dirty = false;
  std::string hostname;
  std::string compiler;
  std::string hardware_profile_path;  // may be empty or point to a file on another machine
};

struct CaseRecord {
  std::string id;
  std::string name;
  std::string variant;
  std::string implementation;
  std::string dtype;
  std::string status;  // ok | wrong_result | skipped | error
  std::string reason;
  std::string repro;
  nlohmann::json params = nlohmann::json::object();
  std::vector<double> samples_s;               // empty unless status == ok
  std::optional<double> ci_low_s, ci_high_s;   // summary.ci_low_s / ci_high_s of the median
  std::optional<double> instructions;          // callgrind instruction count (deterministic mode)
  std::optional<double> flops;                 // work.flops_matrix + work.flops_vector
  std::optional<double> bytes_dram;            // work.bytes_dram
  std::optional<double> predicted_s;           // prediction.seconds
  std::optional<std::string> predicted_bound;  // prediction.bound
  std::optional<double> measured_over_predicted;

  bool ok() const { return status == "ok"; }
};

struct ResultsDocument {
  std::string file;    // where it was read from, for messages
  std::string status;  // complete | running
  RunInfo run;
  std::vector<CaseRecord> cases;

  const CaseRecord* find_case(const std::string& id) const;
  // The case's name, plus its implementation when the run holds several (a vendor baseline
  // beside moat) and its dtype when the run holds several (bf16 beside fp32): their rows would
  // otherwise read as duplicates. `always_dtype`: name the dtype even in a one-dtype run (charts).
  std::string label(const CaseRecord& c, bool always_dtype = false) const;

 private:
  struct Variety {
    std::size_t cases = 0;  // cases.size() when computed
    bool implementations = false, dtypes = false;
  };
  mutable Variety variety_;  // computed once per case count: label() is called per row
};

// Throws moat::Error naming the file and JSON path on schema violations.
ResultsDocument load_results_document(const std::string& path);
ResultsDocument parse_results_document(const nlohmann::json& doc, const std::string& file);

}  // namespace moat::reports
