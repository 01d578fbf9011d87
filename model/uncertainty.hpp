#pragma once
// How far off a roofline prediction may be. The band is multiplicative: [seconds / f_low,
// seconds * f_high], widened for what the roofline does not see:
//  - base: uncalibrated datasheet peaks are upper bounds that real kernels rarely reach, so the
//    band reaches kUncalibratedHigh x above (attained fraction down to ~50%) and a little below
//    (warm caches can beat a DRAM-byte count); a calibrated profile uses its fitted spread instead;
//  - latency share: launch/dispatch overhead varies by about its own size (graphs vs eager
//    launches, driver state), so the band widens by the fraction of time spent in launches;
//  - overlap: the roofline assumes compute and memory overlap perfectly; the high end is at least
//    the no-overlap sum of the terms;
//  - extrapolation: a calibrated profile widens by kWideningPerDecade per decade the case's
//    roofline time lies outside the range of times the fit saw.
#include "model/roofline.hpp"

namespace moat::model {

inline constexpr double kUncalibratedHigh = 2.0;   // attained fraction of peak down to 50%
inline constexpr double kUncalibratedLow = 1.1;    // up to 10% faster than the DRAM roofline
inline constexpr double kMinCalibratedSpread = 0.05;
inline constexpr double kWideningPerDecade = 0.25;

struct Band {
  double low_s = 0;
  double high_s = 0;
};

// Decades by which `roofline_s` lies outside the calibration's fitted range (0 inside it or
// without calibration).
double decades_outside_fit(const Calibration& c, double roofline_s);

// Fills low_s/high_s of a prediction whose other fields are set.
Band uncertainty_band(const Prediction& p, const HardwareProfile& hw);

}  // namespace moat::model
