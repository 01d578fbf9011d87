#include "model/validation.hpp"

#include <cmath>
#include <cstdio>
#include <map>

#include "model/results_cases.hpp"
#include "model/statistics.hpp"

namespace moat::model {

namespace {

ValidationStats stats_of(std::string family, const std::vector<double>& ratios) {
  std::vector<double> errors;
  for (double r : ratios) errors.push_back(std::abs(r - 1));
  return {std::move(family), static_cast<int>(ratios.size()), median(errors), percentile(errors, 90),
          median(ratios)};
}

}  // namespace

ValidationSummary summarize_validation(const nlohmann::json& doc) {
  ValidationSummary s;
  std::map<std::string, std::vector<double>> by_family;
  std::vector<double> all;
  for (const auto& c : measured_cases(doc)) {
    if (!c.predicted_s) {
      ++s.without_prediction;
      continue;
    }
    const double ratio = c.measured_s / *c.predicted_s;
    by_family[c.family].push_back(ratio);
    all.push_back(ratio);
  }
  for (const auto& [family, ratios] : by_family) s.families.push_back(stats_of(family, ratios));
  s.overall = all.empty() ? ValidationStats{"", 0, NAN, NAN, NAN} : stats_of("", all);
  return s;
}

void print_validation(const ValidationSummary& s, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%-34s %6s %10s %10s %12s\n", "family", "cases", "median err",
                "p90 err", "meas/pred");
  out << line;
  auto row = [&](const ValidationStats& v, const std::string& label) {
    std::snprintf(line, sizeof line, "%-34s %6d %9.1f%% %9.1f%% %12.3g\n", label.c_str(), v.cases,
                  100 * v.median_error, 100 * v.p90_error, v.median_ratio);
    out << line;
  };
  for (const auto& f : s.families) row(f, f.family.empty() ? "(no family)" : f.family);
  row(s.overall, "overall");
  if (s.without_prediction > 0)
    out << s.without_prediction << " ok case(s) had no prediction and were left out\n";
}

nlohmann::json validation_to_json(const ValidationSummary& s) {
  auto one = [](const ValidationStats& v) {
    auto num = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(); };
    return nlohmann::json{{"family", v.family},
                          {"cases", v.cases},
                          {"median_abs_error", num(v.median_error)},
                          {"p90_abs_error", num(v.p90_error)},
                          {"median_measured_over_predicted", num(v.median_ratio)}};
  };
  nlohmann::json j = {{"overall", one(s.overall)}, {"families", nlohmann::json::array()},
                      {"without_prediction", s.without_prediction}};
  for (const auto& f : s.families) j["families"].push_back(one(f));
  return j;
}

}  // namespace moat::model
