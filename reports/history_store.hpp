#pragma once
// Append-only history of case medians, one JSON Lines file per testbed (a machine + build
// configuration whose timings are comparable over time): STORE/<testbed>.jsonl.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/results_document.hpp"

namespace moat::reports {

inline constexpr const char* kHistorySchema = "moat.history";
inline constexpr int kHistorySchemaVersion = 1;

struct HistoryPoint {
  std::string run_started_at;
  std::string git_sha;
  bool git_dirty = false;
  std::string case_id;
  double median_s = 0;
  std::optional<double> ci_low_s, ci_high_s;
  std::size_t samples = 0;
  std::optional<double> instructions;
};

// "<profile>-<execution space>-<build type>-<8 hex digits of a hash of all environment fields>":
// readable, and distinct whenever environment_differences() would refuse a comparison.
std::string testbed_key(const RunEnvironment& env);
std::string history_file(const std::string& store_dir, const std::string& testbed);

struct AppendResult {
  std::string file;
  std::size_t appended = 0;
  std::size_t not_ok = 0;         // cases without a timing (skipped, error, ...), not recorded
  bool already_recorded = false;  // this run (started_at + git sha) is in the store already
};

// Appends one line per ok case; a run already in the file is not appended twice.
AppendResult append_to_history(const ResultsDocument& doc, const std::string& store_dir,
                               const std::string& testbed = {});

// All points of a history file in file order; errors name file:line.
std::vector<HistoryPoint> read_history(const std::string& file);

// Points grouped by case id, each group in run order (started_at, then file order).
std::map<std::string, std::vector<HistoryPoint>> history_by_case(std::vector<HistoryPoint> points);

}  // namespace moat::reports

namespace moat::reports {

// The history file to read: the named testbed, else the testbed of `env` (when given), else the
// store's only testbed. Throws moat::Error listing the store's testbeds when it cannot choose.
std::string resolve_history_file(const std::string& store_dir, const std::string& testbed,
                                 const RunEnvironment* env);

}  // namespace moat::reports
