#include "model/calibration_fit.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>

#include "core/error.hpp"
#include "model/results_cases.hpp"
#include "model/roofline.hpp"
#include "model/statistics.hpp"

namespace moat::model {

namespace {

struct FitPoint {
  std::string family;
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
    Prediction raw = predict_roofline(*c.work, c.dtype, hw, PredictOptions{c.family, false});
    const double body = raw.roofline_s - raw.launch_s;
    const double measured_body = c.measured_s - raw.launch_s;
    if (body <= 0 || measured_body <= 0) continue;  // launch-dominated: says nothing about peak
    points.push_back({c.family, body_bound(raw), body / measured_body, raw.roofline_s,
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

  // Spread: how far the calibrated model still is from each fitted case.
  HardwareProfile fitted = hw;
  fitted.calibration = cal;
  std::vector<double> errors;
  for (const auto& p : points) {
    Prediction q = predict_roofline(p.work, p.dtype, fitted, PredictOptions{p.family, true});
    errors.push_back(std::abs(p.measured_s / q.seconds - 1));
  }
  cal.spread = percentile(errors, 90);
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
  std::ifstream f(results_path);
  if (!f) throw Error("cannot read results '" + results_path + "'");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(results_path + ": " + e.what());
  }
  HardwareProfile hw = load_hardware_profile(profile_path);
  FitOptions options;
  options.fitted_from = results_path;
  hw.calibration = fit_calibration(doc, hw, options);
  save_hardware_profile(hw, out_profile_path);
  return hw.calibration;
}

}  // namespace moat::model
