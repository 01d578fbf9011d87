#include "reports/sweep_detection.hpp"

#include <algorithm>
#include <map>

#include "reports/stats_descriptive.hpp"

namespace moat::reports {

namespace {

// The id without the name: "|dtype|implementation|backend|cache" (see results-schema.md).
std::string id_suffix(const CaseRecord& c) {
  return c.id.rfind(c.name, 0) == 0 ? c.id.substr(c.name.size())
                                    : "|" + c.dtype + "|" + c.implementation;
}

std::string describe_fixed(const nlohmann::json& others, const std::string& suffix) {
  std::string text;
  for (const auto& [k, v] : others.items())
    text += (text.empty() ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  return text + suffix;
}

}  // namespace

std::vector<Sweep> detect_sweeps(const ResultsDocument& run, std::size_t max_sweeps,
                                 std::size_t* omitted) {
  std::map<std::string, Sweep> groups;  // key: variant + fixed params + axis
  for (const auto& c : run.cases) {
    if (!c.ok() || c.variant.empty()) continue;
    for (const auto& [axis, value] : c.params.items()) {
      if (!value.is_number()) continue;
      nlohmann::json others = c.params;
      others.erase(axis);
      const std::string fixed = describe_fixed(others, id_suffix(c));
      Sweep& s = groups[c.variant + "\n" + axis + "\n" + fixed];
      s.variant = c.variant;
      s.axis = axis;
      s.fixed = fixed;
      s.x.push_back(value.get<double>());
      s.median_s.push_back(median(c.samples_s));
      s.predicted_s.push_back(c.predicted_s);
    }
  }
  std::vector<Sweep> sweeps;
  for (auto& [key, s] : groups) {
    if (s.x.size() < kMinSweepPoints) continue;
    // Sort the points along the axis.
    std::vector<std::size_t> order(s.x.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return s.x[a] < s.x[b]; });
    Sweep sorted{s.variant, s.axis, s.fixed, {}, {}, {}};
    for (auto i : order) {
      sorted.x.push_back(s.x[i]);
      sorted.median_s.push_back(s.median_s[i]);
      sorted.predicted_s.push_back(s.predicted_s[i]);
    }
    sweeps.push_back(std::move(sorted));
  }
  std::stable_sort(sweeps.begin(), sweeps.end(),
                   [](const Sweep& a, const Sweep& b) { return a.x.size() > b.x.size(); });
  if (omitted) *omitted = sweeps.size() > max_sweeps ? sweeps.size() - max_sweeps : 0;
  if (sweeps.size() > max_sweeps) sweeps.resize(max_sweeps);
  return sweeps;
}

}  // namespace moat::reports
