#include "reports/roofline_data.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/dtype.hpp"
#include "core/error.hpp"
#include "model/hardware_profile.hpp"
#include "reports/stats_descriptive.hpp"

namespace moat::reports {

namespace {

// One roof per (memory level, dtype): y = min(peak, x * bandwidth), drawn as three points
// (left edge, ridge, right edge) across the chart's intensity range.
void add_roofs(const model::HardwareProfile& hw, const std::set<std::string>& dtypes, double x_min,
               double x_max, nlohmann::json& roofs) {
  for (const auto& dtype_name : dtypes) {
    const auto dtype = parse_dtype(dtype_name);
    const double peak = hw.rates_for(dtype.value_or(DType::fp32)).matrix_flops;
    if (!(peak > 0)) continue;
    for (const auto& level : hw.memory) {
      const double ridge = peak / level.bandwidth;
      nlohmann::json pts = nlohmann::json::array();
      const double left = std::min(x_min, ridge / 10);
      const double right = std::max(x_max, ridge * 10);
      pts.push_back({{"x", left}, {"y", left * level.bandwidth}});
      pts.push_back({{"x", ridge}, {"y", peak}});
      pts.push_back({{"x", right}, {"y", peak}});
      roofs.push_back({{"label", hw.id + " " + dtype_name + " / " + level.name},
                       {"main_memory", &level == &hw.main_memory()},
                       {"points", pts}});
    }
  }
}

}  // namespace

nlohmann::json roofline_data(const ResultsDocument& run,
                             const std::vector<std::string>& hardware_files) {
  nlohmann::json points = nlohmann::json::array();
  nlohmann::json notes = nlohmann::json::array();
  std::set<std::string> dtypes;
  double x_min = 1e300, x_max = 0;
  std::size_t without_work = 0;
  for (const auto& c : run.cases) {
    if (!c.ok()) continue;
    if (!c.flops || !c.bytes_dram || !(*c.flops > 0) || !(*c.bytes_dram > 0)) {
      ++without_work;
      continue;
    }
    const double intensity = *c.flops / *c.bytes_dram;
    points.push_back({{"label", run.label(c, /*always_dtype=*/true)},
                      {"x", intensity},
                      {"y", *c.flops / median(c.samples_s)},
                      {"bound", c.predicted_bound.value_or("")}});
    dtypes.insert(c.dtype.empty() ? "fp32" : c.dtype);
    x_min = std::min(x_min, intensity);
    x_max = std::max(x_max, intensity);
  }
  if (without_work > 0)
    notes.push_back(std::to_string(without_work) +
                    " ok case(s) lack work.flops_* or work.bytes_dram and are not plotted");

  nlohmann::json roofs = nlohmann::json::array();
  if (points.empty()) return {{"points", points}, {"roofs", roofs}, {"notes", notes}};
  std::vector<std::string> files = hardware_files;
  const std::string& own = run.run.hardware_profile_path;
  if (!own.empty() && std::find(files.begin(), files.end(), own) == files.end()) {
    if (std::filesystem::exists(own))
      files.insert(files.begin(), own);
    else
      notes.push_back("hardware profile '" + own +
                      "' of the run is not readable here; pass --hardware FILE for roofs");
  }
  for (const auto& file : files)
    add_roofs(model::load_hardware_profile(file), dtypes, x_min, x_max, roofs);
  return {{"points", points}, {"roofs", roofs}, {"notes", notes}};
}

}  // namespace moat::reports
