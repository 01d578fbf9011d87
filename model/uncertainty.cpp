#include "model/uncertainty.hpp"

#include <algorithm>
#include <cmath>

namespace moat::model {

double decades_outside_fit(const Calibration& c, double roofline_s) {
  if (c.empty() || c.fitted_min_s <= 0 || c.fitted_max_s <= 0 || roofline_s <= 0) return 0;
  if (roofline_s < c.fitted_min_s) return std::log10(c.fitted_min_s / roofline_s);
  if (roofline_s > c.fitted_max_s) return std::log10(roofline_s / c.fitted_max_s);
  return 0;
}

Band uncertainty_band(const Prediction& p, const HardwareProfile& hw) {
  if (p.seconds <= 0) return {0, 0};
  // Calibrated: the spread of the level the efficiency came from (a variant's curve, its family's
  // curve for a variant the fit never saw, or the per-bound fractions).
  const bool calibrated = !hw.calibration.empty() && !p.calibration_level.empty();
  const double spread = std::max(p.calibration_spread, kMinCalibratedSpread);
  double f_low = calibrated ? 1 + spread : kUncalibratedLow;
  double f_high = calibrated ? 1 + spread : kUncalibratedHigh;
  const double latency_share = p.launch_s / p.seconds;
  f_low *= 1 + latency_share;
  f_high *= 1 + latency_share;
  const double widen = 1 + kWideningPerDecade * p.extrapolation_decades;
  f_low *= widen;
  f_high *= widen;
  const double no_overlap =
      (p.compute_s + p.special_s + p.memory_s) / p.efficiency + p.launch_s;
  return {p.seconds / f_low, std::max(p.seconds * f_high, no_overlap)};
}

}  // namespace moat::model
