#pragma once
// Kernel time from its cost and a hardware profile: the larger of the compute and memory terms,
// plus launch latency. The bound names the term that dominates. When the profile carries a
// [calibration] table, the body is divided by the attained fraction of peak for that bound (and
// family, when given); `roofline_s` keeps the uncalibrated time. [low_s, high_s] is the
// uncertainty band (model/uncertainty.hpp).
#include <string>

#include "core/cost.hpp"
#include "model/hardware_profile.hpp"

namespace moat::model {

struct Prediction {
  double seconds = 0;
  double compute_s = 0;   // matrix + vector FLOPs at their peak rates
  double special_s = 0;   // transcendental ops at the special-function rate
  double memory_s = 0;    // DRAM bytes at main-memory bandwidth + on-chip bytes at cache rate
  double launch_s = 0;
  std::string bound;      // "compute" | "memory" | "special" | "latency"
  std::string hardware;   // profile id
  double roofline_s = 0;  // at 100% of peak, before calibration
  double efficiency = 1;  // attained fraction of peak applied to the body (1: uncalibrated)
  // Where the efficiency came from: "path" | "variant" | "family" (fitted curves,
  // model/efficiency_curve.hpp), "bound" (a fitted fraction per family and bound, or per bound),
  // "" (uncalibrated).
  std::string calibration_level;
  double calibration_spread = 0;     // fitted spread of that level (the band's base)
  double extrapolation_decades = 0;  // how far the case lies outside what the fit saw
  double low_s = 0;       // uncertainty band around `seconds`
  double high_s = 0;
};

struct PredictOptions {
  std::string family;        // picks a per-family efficiency from [calibration] when present
  bool apply_calibration = true;
  std::string variant;       // picks the variant's efficiency curve when the fit saw the variant
  std::string path;          // picks the code path's curve when fitted (model/curve_path.hpp)
};

Prediction predict_roofline(const Cost& cost, DType dtype, const HardwareProfile& hw);
Prediction predict_roofline(const Cost& cost, DType dtype, const HardwareProfile& hw,
                            const PredictOptions& options);
// Same, at explicit compute rates (number formats outside DType, e.g. fp8 from a model preset).
Prediction predict_roofline_at(const Cost& cost, const ComputeRates& rates,
                               const HardwareProfile& hw, const PredictOptions& options = {});

// The term that dominates the body (launches aside): "compute" | "memory" | "special".
std::string body_bound(const Prediction& p);

// The attained fraction [calibration] gives for `bound` (and `family`), or 1 without one.
double calibrated_efficiency(const Calibration& c, const std::string& bound,
                             const std::string& family);

// The efficiency curve for a case and its level: the code path's curve when fitted ("path"), else
// the variant's ("variant"), else its family's ("family"), else {nullptr, ""}. Empty names are
// never looked up.
struct CurveChoice {
  const EfficiencyCurve* curve = nullptr;
  std::string level;
};
CurveChoice calibrated_curve(const Calibration& c, const PredictOptions& case_names);

}  // namespace moat::model
