#include "reports/comparison_output.hpp"

#include <fmt/format.h>

#include <cmath>

#include "reports/number_format.hpp"

namespace moat::reports {

namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
  return v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::string verdict_counts_line(const Comparison& c) {
  std::string line;
  for (const auto& [verdict, count] : c.counts())
    line += (line.empty() ? "" : ", ") + std::to_string(count) + " " + to_string(verdict);
  return line;
}

}  // namespace

std::string comparison_text(const Comparison& c) {
  std::string out = fmt::format("moat compare: base {} ({}) vs head {} ({})\n", c.base_file,
                                c.base_run.git_sha, c.head_file, c.head_run.git_sha);
  for (const auto& note : c.notes) out += "note: " + note + "\n";
  out += verdict_counts_line(c) + "\n\n";
  // Unremarkable cases are summarised by the counts line; list the rest.
  for (const auto& k : c.cases) {
    if (k.verdict == Verdict::same) continue;
    out += fmt::format("{:<12} {}\n             {}\n", to_string(k.verdict), k.id, k.reason);
    if ((k.verdict == Verdict::slower || k.verdict == Verdict::ambiguous) && !k.repro.empty())
      out += "             repro: " + k.repro + "\n";
  }
  return out;
}

nlohmann::json comparison_json(const Comparison& c) {
  nlohmann::json cases = nlohmann::json::array();
  for (const auto& k : c.cases) {
    cases.push_back({{"id", k.id},
                     {"name", k.name},
                     {"variant", k.variant},
                     {"verdict", to_string(k.verdict)},
                     {"reason", k.reason},
                     {"mode", k.mode},
                     {"base_samples", k.base_samples},
                     {"head_samples", k.head_samples},
                     {"base_median_s", optional_number(k.base_median_s)},
                     {"head_median_s", optional_number(k.head_median_s)},
                     {"base_instructions", optional_number(k.base_instructions)},
                     {"head_instructions", optional_number(k.head_instructions)},
                     {"ratio", optional_number(k.ratio)},
                     {"ci_low", optional_number(k.ci_low)},
                     {"ci_high", optional_number(k.ci_high)},
                     {"p_value", optional_number(k.p_value)},
                     {"q_value", optional_number(k.q_value)},
                     {"threshold", optional_number(k.threshold)},
                     {"repro", k.repro}});
  }
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& [verdict, count] : c.counts()) counts[to_string(verdict)] = count;
  nlohmann::json diffs = nlohmann::json::array();
  for (const auto& d : c.environment_differences)
    diffs.push_back({{"field", d.field}, {"base", d.base}, {"head", d.head}});
  const auto& o = c.options;
  return {
      {"schema", kComparisonSchema},
      {"schema_version", kComparisonSchemaVersion},
      {"base", {{"file", c.base_file}, {"git_sha", c.base_run.git_sha}, {"status", c.base_status}}},
      {"head", {{"file", c.head_file}, {"git_sha", c.head_run.git_sha}, {"status", c.head_status}}},
      {"settings",
       {{"threshold", o.threshold},
        {"noise_multiplier", o.noise_multiplier},
        {"alpha", o.alpha},
        {"ci_level", o.ci_level},
        {"ci_method", o.ci_method == CiMethod::bootstrap ? "bootstrap" : "hodges-lehmann"},
        {"min_samples", o.min_samples},
        {"instruction_tolerance", o.instruction_tolerance}}},
      {"environment_differences", diffs},
      {"notes", c.notes},
      {"counts", counts},
      {"cases", cases}};
}

}  // namespace moat::reports
