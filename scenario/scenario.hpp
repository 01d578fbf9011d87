#pragma once
// A kernel scenario file, parsed strictly, and its expansion into concrete cases.
// Format: docs/scenarios.md.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/dtype.hpp"
#include "core/error.hpp"
#include "core/params.hpp"
#include "core/variant.hpp"
#include "scenario/skip_rule.hpp"

namespace moat {

struct TimingOptions {
  int repetitions = 5;
  double min_time_s = 0.02;
  int warmup_runs = 1;
  std::string cache = "warm";  // warm | cold
};

using AxisValues = std::vector<std::pair<ParamValue, SourceLocation>>;

struct Sweep {
  SourceLocation where;
  const VariantSpec* spec = nullptr;
  std::vector<DType> dtypes = {DType::fp32};
  std::vector<std::string> implementations = {"moat"};
  std::vector<std::pair<std::string, AxisValues>> axes;  // file order
  std::map<std::string, std::map<std::string, AxisValues>> presets;  // preset -> axis -> values
  std::vector<SkipRule> skips;
};

struct Scenario {
  std::string path;
  std::string name;
  std::string description;
  std::optional<TimingOptions> timing;  // from [timing], when present
  TimingOptions timing_or_default() const { return timing.value_or(TimingOptions{}); }
  std::vector<Sweep> sweeps;
};

struct Case {
  const VariantSpec* spec = nullptr;
  Params params;
  DType dtype = DType::fp32;
  std::string implementation = "moat";
  std::string name;        // variant?k=v,... in schema order: pasteable into --filter
  std::string skip_reason; // non-empty: recorded as skipped, not run
  SourceLocation where;    // the sweep it came from
};

inline const std::vector<std::string>& preset_names() {
  static const std::vector<std::string> names = {"smoke", "ci", "full"};
  return names;
}

// Parses and validates against the registered variant schemas. Throws moat::Error with
// file:line:col on any problem.
Scenario load_scenario(const std::string& path);

struct ExpandOptions {
  std::string preset;  // "" = base axes
  std::vector<std::pair<std::string, std::vector<std::string>>> axis_overrides;  // --axis
  std::string filter;  // substring of case name
};

// Cartesian product of each sweep's axes (after preset and CLI overrides), in file order.
std::vector<Case> expand_cases(const Scenario& s, const ExpandOptions& opts);

// Parses "name=v1,v2" (the --axis flag). Throws moat::Error naming the flag.
std::pair<std::string, std::vector<std::string>> parse_axis_flag(const std::string& text);

// Top-level `kind` of a scenario file: "kernels" (default) or "model". Parse errors throw.
std::string scenario_kind(const std::string& path);

}  // namespace moat
