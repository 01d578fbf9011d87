#include "model/roofline.hpp"

#include <algorithm>
#include <map>

#include "core/error.hpp"
#include "model/efficiency_curve.hpp"
#include "model/uncertainty.hpp"

namespace moat::model {

double calibrated_efficiency(const Calibration& c, const std::string& bound,
                             const std::string& family) {
  if (!family.empty())
    if (auto f = c.efficiency_by_family.find(family); f != c.efficiency_by_family.end())
      if (auto it = f->second.find(bound); it != f->second.end()) return it->second;
  if (auto it = c.efficiency_by_bound.find(bound); it != c.efficiency_by_bound.end())
    return it->second;
  return 1.0;
}

CurveChoice calibrated_curve(const Calibration& c, const PredictOptions& o) {
  auto find = [](const std::map<std::string, EfficiencyCurve>& m,
                 const std::string& key) -> const EfficiencyCurve* {
    if (key.empty()) return nullptr;
    auto it = m.find(key);
    return it != m.end() ? &it->second : nullptr;
  };
  if (const EfficiencyCurve* p = find(c.curve_by_path, o.path)) return {p, "path"};
  if (const EfficiencyCurve* v = find(c.curve_by_variant, o.variant)) return {v, "variant"};
  if (const EfficiencyCurve* f = find(c.curve_by_family, o.family)) return {f, "family"};
  return {};
}

std::string body_bound(const Prediction& p) {
  if (p.memory_s >= p.compute_s + p.special_s) return "memory";
  return p.special_s > p.compute_s ? "special" : "compute";
}

Prediction predict_roofline_at(const Cost& cost, const ComputeRates& r, const HardwareProfile& hw,
                               const PredictOptions& options) {
  // Zero rates would predict free arithmetic: say what the profile lacks instead.
  if ((cost.flops_matrix > 0 && r.matrix_flops <= 0) || (cost.flops_vector > 0 && r.vector_flops <= 0))
    throw Error(SourceLocation{},
                "hardware profile '" + hw.id + "' has no compute rate for this work's number format",
                "add the [compute.<format>] table (or [compute.fp32] to fall back on) to the profile");
  Prediction p;
  p.hardware = hw.id;
  p.compute_s = (r.matrix_flops > 0 ? cost.flops_matrix / r.matrix_flops : 0) +
                (r.vector_flops > 0 ? cost.flops_vector / r.vector_flops : 0);
  p.special_s = hw.special_ops_per_s > 0 ? cost.special_ops / hw.special_ops_per_s : 0;
  const double main_bw = hw.memory.empty() ? 0 : hw.main_memory().bandwidth;
  const double cache_bw = hw.memory.size() > 1 ? hw.memory.front().bandwidth : main_bw;
  p.memory_s = (main_bw > 0 ? cost.bytes_dram / main_bw : 0) +
               (cache_bw > 0 ? cost.bytes_onchip / cache_bw : 0);
  p.launch_s = cost.launches * hw.launch_latency_s;
  // Compute and special-function work share issue slots on CPUs and SMs alike: they add.
  const double arithmetic = p.compute_s + p.special_s;
  const double body = std::max(arithmetic, p.memory_s);
  p.roofline_s = body + p.launch_s;
  if (p.launch_s > body)
    p.bound = "latency";
  else if (p.memory_s >= arithmetic)
    p.bound = "memory";
  else
    p.bound = p.special_s > p.compute_s ? "special" : "compute";
  // Efficiency scales the body only: launch latency is measured, not a peak.
  // A fitted curve (code path, then variant, then family) wins over the per-bound fractions;
  // body > 0 only: a case with nothing to do has no size to look up.
  if (options.apply_calibration && !hw.calibration.empty()) {
    const CurveChoice choice = body > 0 ? calibrated_curve(hw.calibration, options) : CurveChoice{};
    if (const EfficiencyCurve* curve = choice.curve) {
      p.efficiency = curve_efficiency(*curve, body);
      p.calibration_level = choice.level;
      p.calibration_spread = curve->spread;
      p.extrapolation_decades = curve_decades_outside(*curve, body);
    } else {
      p.efficiency = calibrated_efficiency(hw.calibration, body_bound(p), options.family);
      p.calibration_level = "bound";
      p.calibration_spread = hw.calibration.spread;
      p.extrapolation_decades = decades_outside_fit(hw.calibration, p.roofline_s);
    }
  }
  p.seconds = body / p.efficiency + p.launch_s;
  Band b = uncertainty_band(p, hw);
  p.low_s = b.low_s;
  p.high_s = b.high_s;
  return p;
}

Prediction predict_roofline(const Cost& cost, DType dtype, const HardwareProfile& hw,
                            const PredictOptions& options) {
  return predict_roofline_at(cost, hw.rates_for(dtype), hw, options);
}

Prediction predict_roofline(const Cost& cost, DType dtype, const HardwareProfile& hw) {
  return predict_roofline(cost, dtype, hw, PredictOptions{});
}

}  // namespace moat::model
