#pragma once
// Case-by-case comparison of two results documents: median ratio with its confidence interval,
// Mann-Whitney p-value, Benjamini-Hochberg q-value and a verdict with its reason. Cases that both
// runs measured under callgrind are compared by instruction count instead (deterministic mode).
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "reports/environment_diff.hpp"
#include "reports/results_document.hpp"
#include "reports/verdict.hpp"

namespace moat::reports {

enum class CiMethod { hodges_lehmann, bootstrap };

struct CompareOptions {
  double threshold = 0.05;        // smallest relative change that counts (5 %) ...
  double noise_multiplier = 2.0;  // ... raised to this multiple of the runs' pooled robust CV
  double alpha = 0.05;            // false discovery rate for the BH q-values
  double ci_level = 0.95;
  std::size_t min_samples = 5;           // per run; below it the case is INSUFFICIENT
  double instruction_tolerance = 0.005;  // relative, for instruction counts (0.5 %)
  CiMethod ci_method = CiMethod::hodges_lehmann;
  bool allow_different_env = false;
};

struct CaseComparison {
  std::string id;
  std::string name;
  std::string variant;
  std::string repro;  // from the head run (or the base when only there)
  Verdict verdict = Verdict::incomparable;
  std::string reason;
  std::string mode;  // "time", "instructions" or "" when nothing was compared
  std::size_t base_samples = 0;
  std::size_t head_samples = 0;
  std::optional<double> base_median_s, head_median_s;
  std::optional<double> base_instructions, head_instructions;
  std::optional<double> ratio;  // head / base (time: median ratio; instructions: count ratio)
  std::optional<double> ci_low, ci_high;  // of the ratio
  std::optional<double> p_value, q_value;
  std::optional<double> threshold;  // the relative threshold applied to this case
};

struct Comparison {
  std::string base_file, head_file;
  RunInfo base_run, head_run;
  std::string base_status, head_status;
  std::vector<FieldDifference> environment_differences;  // non-empty only when allowed
  CompareOptions options;
  std::vector<std::string> notes;  // e.g. "head run is incomplete"
  std::vector<CaseComparison> cases;

  std::map<Verdict, int> counts() const;
};

// Thrown (as moat::Error) when the environments differ and allow_different_env is false.
class EnvironmentMismatch : public Error {
 public:
  using Error::Error;
};

Comparison compare_runs(const ResultsDocument& base, const ResultsDocument& head,
                        const CompareOptions& options);

enum class FailOn { slower, ambiguous, never };
std::optional<FailOn> parse_fail_on(const std::string& text);
// 1 when the comparison contains a verdict that `fail_on` names, else 0.
int comparison_exit_code(const Comparison& c, FailOn fail_on);

}  // namespace moat::reports
