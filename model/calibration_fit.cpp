#include "model/calibration_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

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
    throw Error(SourceLocation{}, "results were measured with hardware profile '" + id +
                                      "', not '" + hw.id + "'",
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
    Prediction raw = predict_roofline(*c.work, c.dtype, hw, PredictOptions{c.family, false, ""});
    const double body = raw.roofline_s - raw.launch_s;
    const double measured_body = c.measured_s - raw.launch_s;
    if (body <= 0 || measured_body <= 0) continue;  // launch-dominated: says nothing about peak
    points.push_back({c.family, c.variant, body_bound(raw), body / measured_body, raw.roofline_s,
                      c.measured_s, *c.work, c.dtype});
  }
  if (points.empty())
    throw Error("no case to fit: calibration needs cases with status \"ok\", a median time and "
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
  std::map<std::string, std::vector<CurvePoint>> curve_points;
  for (const auto& p : points)
    if (!p.family.empty() && !p.variant.empty())
      curve_points[p.family].push_back(
          {p.variant, curve_x(p.roofline_s - p.work.launches * hw.launch_latency_s),
           std::log(p.efficiency)});
  for (const auto& [family, cps] : curve_points) {
    FamilyCurves fc = fit_family_curves(cps);
    cal.curve_by_family[family] = fc.family;
    for (auto& [variant, curve] : fc.variants) cal.curve_by_variant[variant] = curve;
  }

  // Spreads: how far the calibrated model still is from each fitted case, overall and per level:
  // a variant's curve carries the p90 over its family's cases predicted by their variants' curves
  // (pooled: four cases of one variant make a poor p90), a family's curve the p90 over the same
  // cases predicted by the family curve alone (what a variant the fit never saw can expect).
  HardwareProfile fitted = hw;
  fitted.calibration = cal;
  std::vector<double> errors;
  std::map<std::string, std::vector<double>> variant_level, family_level;
  for (const auto& p : points) {
    Prediction q =
        predict_roofline(p.work, p.dtype, fitted, PredictOptions{p.family, true, p.variant});
    errors.push_back(std::abs(p.measured_s / q.seconds - 1));
    if (!cal.curve_by_family.count(p.family)) continue;
    variant_level[p.family].push_back(errors.back());
    Prediction f = predict_roofline(p.work, p.dtype, fitted, PredictOptions{p.family, true, ""});
    family_level[p.family].push_back(std::abs(p.measured_s / f.seconds - 1));
  }
  cal.spread = percentile(errors, 90);
  for (auto& [family, curve] : cal.curve_by_family) curve.spread = percentile(family_level[family], 90);
  for (const auto& p : points)
    if (auto it = cal.curve_by_variant.find(p.variant); it != cal.curve_by_variant.end())
      it->second.spread = percentile(variant_level[p.family], 90);
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
