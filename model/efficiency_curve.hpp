#pragma once
// Efficiency curves: the attained fraction of the roofline as a function of problem size, per
// kernel family, per variant and per code path (model/curve_path.hpp), fitted from our own sweeps.
//
// Why a curve and not one number: on a real machine the same kernel reaches a larger fraction of
// peak on large problems than on thin ones (decode steps, small tiles, short rows), because fixed
// per-tile and per-row costs (loop set-up, softmax bookkeeping, routing and gathers) do not shrink
// with the FLOP or byte count. The roofline body time summarizes the problem's size in the units
// the model predicts in, so the curve is
//
//   ln(efficiency) = a + b * (x - center),   x = log10(roofline body seconds), clamped to
//                                             [x_min - kMaxExtrapolationDecades,
//                                              x_max + kMaxExtrapolationDecades]
// i.e. the curve extrapolates at most one decade beyond the range of sizes the fit saw and is flat
// after that; the uncertainty band widens per decade outside [x_min, x_max] (uncertainty.hpp).
//
// Fit, per family, from points (variant v, x, y = ln(roofline body / measured body)):
//   variant v: the least-squares line through its own points (slope b_v, clamped to
//              [-kMaxSlope, kMaxSlope]; center = their mean x, level = their mean y) when they span
//              at least kMinPairDecades; else the family slope through their mean. Variants differ
//              in how their fixed costs scale (a router's per-token work against a GEMM's, a
//              per-row softmax against a per-tile one), so one pooled slope misfits many of them;
//   family:    b = median of the slopes (y_j - y_i) / (x_j - x_i) over all pairs of points of the
//              SAME variant at least kMinPairDecades apart (pooled Theil-Sen, robust to a noisy
//              sample; 0 without such pairs), center = mean x of the family's points, level =
//              median over its variants of median(y - b (x - center)). Used for variants the fit
//              never saw.
// calibration_fit runs the same fit a second time with each point keyed by its code path
// (model/curve_path.hpp) instead of its variant: per-path lines, with the pooled same-path slope
// of the family for paths whose points span less than kMinPairDecades.
#include <map>
#include <string>
#include <vector>

#include "model/hardware_profile.hpp"

namespace moat::model {

inline constexpr double kMinPairDecades = 0.1;  // pairs closer than this say nothing about slope
inline constexpr double kMaxSlope = 1.5;        // |d ln(eff) / d decade| at most (x4.5 per decade)
inline constexpr double kMaxExtrapolationDecades = 1.0;  // the slope is followed this far outside

struct CurvePoint {
  std::string variant;  // the group a line is fitted to: a variant, or a code path (curve_path.hpp)
  double x = 0;       // log10(roofline body seconds)
  double ln_eff = 0;  // ln(roofline body / measured body)
};

struct FamilyCurves {
  EfficiencyCurve family;                            // pooled slope, median level (unseen variants)
  std::map<std::string, EfficiencyCurve> variants;  // own slope, center, level and range
};

// Throws moat::Error when `points` is empty. Spreads are left 0 (calibration_fit fills them).
FamilyCurves fit_family_curves(const std::vector<CurvePoint>& points);

// log10 of a roofline body time (seconds > 0).
double curve_x(double body_s);
// The attained fraction at a roofline body time (x clamped as above).
double curve_efficiency(const EfficiencyCurve& c, double body_s);
// Decades by which body_s lies outside the curve's fitted range (0 inside).
double curve_decades_outside(const EfficiencyCurve& c, double body_s);

}  // namespace moat::model
