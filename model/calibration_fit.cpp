#include "model/calibration_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "core/error.hpp"
#include "model/efficiency_curve.hpp"
#include "model/results_cases.hpp"
#include "model/roofline.hpp"
#include "model/statistics.hpp"

namespace moat::model {

namespace {

struct FitPoint {
  std::string family;
  std::string variant;
  std::string path;  // code path (model/curve_path.hpp)
  std::string bound;
  double efficiency = 0;
  double roofline_s = 0;
  double measured_s = 0;
  Cost work;
  DType dtype = DType::fp32;
};

void check_hardware(const nlohmann::json& doc, const HardwareProfile& hw) {
  const auto run = doc.find("run");
  if (run == doc.end() || !run->is_object()) return;
  const auto prof = run->find("hardware_profile");
  if (prof == run->end() || !prof->is_object()) return;
  const std::string id = prof->value("id", "");
  if (!id.empty() && id != hw.id)
    throw Error(SourceLocation{},
                "results were measured with hardware profile '" + id + "', not '" + hw.id + "'",
                "calibrate the profile the results were measured with, or pass "
                "FitOptions{.require_same_hardware = false}");
}

}  // namespace

Calibration fit_calibration(const nlohmann::json& doc, const HardwareProfile& hw,
                            const FitOptions& options) {
  if (options.require_same_hardware) check_hardware(doc, hw);
  std::vector<FitPoint> points;
  for (const auto& c : measured_cases(doc)) {
    if (!c.work) continue;
    Prediction raw =
        predict_roofline(*c.work, c.dtype, hw, PredictOptions{c.family, false, "", ""});
    const double body = raw.roofline_s - raw.launch_s;
    const double measured_body = c.measured_s - raw.launch_s;
    if (body <= 0 || measured_body <= 0) continue;  // launch-dominated: says nothing about peak
    points.push_back({c.family, c.variant, c.path, body_bound(raw), body / measured_body,
                      raw.roofline_s, c.measured_s, *c.work, c.dtype});
  }
  if (points.empty())
    throw Error(
        "no case to fit: calibration needs cases with status \"ok\", a median time and "
        "recorded work, measured slower than their launch latency");

  Calibration cal;
  std::map<std::string, std::vector<double>> by_bound;
  std::map<std::string, std::map<std::string, std::vector<double>>> by_family;
  cal.fitted_min_s = std::numeric_limits<double>::infinity();
  for (const auto& p : points) {
    by_bound[p.bound].push_back(p.efficiency);
    if (!p.family.empty()) by_family[p.family][p.bound].push_back(p.efficiency);
    cal.fitted_min_s = std::min(cal.fitted_min_s, p.roofline_s);
    cal.fitted_max_s = std::max(cal.fitted_max_s, p.roofline_s);
  }
  for (auto& [bound, v] : by_bound) cal.efficiency_by_bound[bound] = median(v);
  for (auto& [family, bounds] : by_family)
    for (auto& [bound, v] : bounds) cal.efficiency_by_family[family][bound] = median(v);
  cal.cases = static_cast<int>(points.size());

  // Efficiency curves per family (and per variant inside it), over the roofline body time
  // (model/efficiency_curve.hpp). Cases without a family or variant keep the fractions above.
  // The same fit keyed by code path (model/curve_path.hpp) gives each path its own curve: a
  // variant's causal and full cases, or its fp32 and bf16 storage, would otherwise read as one size
  // trend. A path's slope falls back to the family's pooled same-path slope. A path without a
  // qualifier (its key is the variant's name) is stored too when its variant has other paths: the
  // variant curve pools them all (H100 fp32 moe.grouped_ffn cases read 2.2x too slow off a line
  // dragged down by the variant's bf16 cases). A variant with one path only is its variant curve
  // and is not stored twice.
  std::map<std::string, std::vector<CurvePoint>> curve_points, path_points;
  std::map<std::string, std::string> variant_of_path;
  std::map<std::string, std::set<std::string>> paths_of_variant;
  for (const auto& p : points) {
    if (p.family.empty() || p.variant.empty()) continue;
    const double x = curve_x(p.roofline_s - p.work.launches * hw.launch_latency_s);
    const std::string path = p.path.empty() ? p.variant : p.path;
    curve_points[p.family].push_back({p.variant, x, std::log(p.efficiency)});
    path_points[p.family].push_back({path, x, std::log(p.efficiency)});
    variant_of_path[path] = p.variant;
    paths_of_variant[p.variant].insert(path);
  }
  for (const auto& [family, cps] : curve_points) {
    FamilyCurves fc = fit_family_curves(cps);
    cal.curve_by_family[family] = fc.family;
    for (auto& [variant, curve] : fc.variants) cal.curve_by_variant[variant] = curve;
    FamilyCurves pc = fit_family_curves(path_points.at(family));
    for (auto& [path, curve] : pc.variants) {
      const std::string& variant = variant_of_path.at(path);
      if (path != variant || paths_of_variant.at(variant).size() > 1)
        cal.curve_by_path[path] = curve;
    }
  }

  // Spreads: how far the calibrated model still is from each fitted case, overall and per level:
  // a path's or a variant's curve carries the p90 over its family's cases predicted at that level
  // (pooled: four cases of one variant make a poor p90): path curves where fitted (else their
  // variant's) for the path level, variant curves alone for the variant level; a family's curve
  // the p90 over the same cases predicted by the family curve alone (what a variant the fit never
  // saw can expect). The overall spread is that of the full lookup (path, variant, family, bound).
  HardwareProfile fitted = hw;
  fitted.calibration = cal;
  std::vector<double> errors;
  std::map<std::string, std::vector<double>> path_level, variant_level, family_level;
  auto error_at = [&](const FitPoint& p, const std::string& variant, const std::string& path) {
    const Prediction q =
        predict_roofline(p.work, p.dtype, fitted, PredictOptions{p.family, true, variant, path});
    return std::abs(p.measured_s / q.seconds - 1);
  };
  for (const auto& p : points) {
    errors.push_back(error_at(p, p.variant, p.path));
    if (!cal.curve_by_family.count(p.family)) continue;
    path_level[p.family].push_back(errors.back());
    variant_level[p.family].push_back(error_at(p, p.variant, ""));
    family_level[p.family].push_back(error_at(p, "", ""));
  }
  cal.spread = percentile(errors, 90);
  for (auto& [family, curve] : cal.curve_by_family)
    curve.spread = percentile(family_level[family], 90);
  for (const auto& p : points) {
    if (auto it = cal.curve_by_variant.find(p.variant); it != cal.curve_by_variant.end())
      it->second.spread = percentile(variant_level[p.family], 90);
    if (auto it = cal.curve_by_path.find(p.path); it != cal.curve_by_path.end())
      it->second.spread = percentile(path_level[p.family], 90);
  }
  cal.fitted_from = options.fitted_from;
  if (cal.fitted_from.empty()) {
    auto run = doc.find("run");
    if (run != doc.end() && run->is_object()) cal.fitted_from = run->value("command", "");
  }
  return cal;
}

Calibration calibrate_profile_from_results(const std::string& results_path,
                                           const std::string& profile_path,
                                           const std::string& out_profile_path) {
  const nlohmann::json doc = read_results_file(results_path);
  HardwareProfile hw = load_hardware_profile(profile_path);
  FitOptions options;
  options.fitted_from = results_path;
  hw.calibration = fit_calibration(doc, hw, options);
  save_hardware_profile(hw, out_profile_path);
  return hw.calibration;
}

}  // namespace moat::model
