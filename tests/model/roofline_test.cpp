#include <gtest/gtest.h>

#include "model/roofline.hpp"
#include "model/uncertainty.hpp"

namespace moat::model {
namespace {

HardwareProfile toy_machine() {
  HardwareProfile hw;
  hw.id = "toy";
  hw.compute[DType::fp32] = {1e12, 1e11};
  hw.special_ops_per_s = 1e10;
  hw.memory = {{"L2", 1e6, 1e12}, {"DRAM", 1e9, 1e11}};
  hw.launch_latency_s = 1e-6;
  return hw;
}

Cost toy_cost() {
  Cost c;
  c.flops_matrix = 2e9;  // 2 ms at 1e12
  c.flops_vector = 1e8;  // 1 ms at 1e11
  c.special_ops = 1e7;   // 1 ms at 1e10
  c.bytes_dram = 1e8;    // 1 ms at 1e11
  c.bytes_onchip = 1e9;  // 1 ms at 1e12
  c.launches = 2;        // 2 us
  return c;
}

TEST(Roofline, HandComputedTermsAndBound) {
  Prediction p = predict_roofline(toy_cost(), DType::fp32, toy_machine());
  EXPECT_DOUBLE_EQ(p.compute_s, 3e-3);
  EXPECT_DOUBLE_EQ(p.special_s, 1e-3);
  EXPECT_DOUBLE_EQ(p.memory_s, 2e-3);
  EXPECT_DOUBLE_EQ(p.launch_s, 2e-6);
  EXPECT_DOUBLE_EQ(p.seconds, 4e-3 + 2e-6);  // max(3 + 1, 2) ms + launches
  EXPECT_DOUBLE_EQ(p.roofline_s, p.seconds);
  EXPECT_EQ(p.bound, "compute");
  EXPECT_EQ(p.hardware, "toy");
  EXPECT_DOUBLE_EQ(p.efficiency, 1);
}

TEST(Roofline, UncalibratedBandIsAsymmetricAndCoversNoOverlap) {
  Prediction p = predict_roofline(toy_cost(), DType::fp32, toy_machine());
  const double latency_share = 2e-6 / p.seconds;
  EXPECT_DOUBLE_EQ(p.low_s, p.seconds / (kUncalibratedLow * (1 + latency_share)));
  // The no-overlap sum (3 + 1 + 2 ms) is below 2x, so the 2x factor sets the high end.
  EXPECT_DOUBLE_EQ(p.high_s, p.seconds * kUncalibratedHigh * (1 + latency_share));
  EXPECT_LT(p.low_s, p.seconds);
  EXPECT_GT(p.high_s, p.seconds);
}

TEST(Roofline, BandWidensForLatencyBoundShapes) {
  Cost tiny;
  tiny.flops_matrix = 1e3;
  tiny.launches = 1;
  Prediction small = predict_roofline(tiny, DType::fp32, toy_machine());
  EXPECT_EQ(small.bound, "latency");
  Prediction big = predict_roofline(toy_cost(), DType::fp32, toy_machine());
  EXPECT_GT(small.high_s / small.seconds, big.high_s / big.seconds);
  EXPECT_GT(small.seconds / small.low_s, big.seconds / big.low_s);
  EXPECT_NEAR(small.high_s / small.seconds, kUncalibratedHigh * (1 + 1e-6 / small.seconds), 1e-12);
}

TEST(Roofline, CalibrationDividesTheBodyByTheAttainedFraction) {
  HardwareProfile hw = toy_machine();
  hw.calibration.efficiency_by_bound = {{"compute", 0.5}, {"memory", 0.8}};
  hw.calibration.efficiency_by_family["attention/dense-softmax"] = {{"compute", 0.25}};
  hw.calibration.spread = 0.1;
  Prediction p = predict_roofline(toy_cost(), DType::fp32, hw);
  EXPECT_DOUBLE_EQ(p.efficiency, 0.5);
  EXPECT_DOUBLE_EQ(p.seconds, 4e-3 / 0.5 + 2e-6);
  EXPECT_DOUBLE_EQ(p.roofline_s, 4e-3 + 2e-6);
  Prediction fam =
      predict_roofline(toy_cost(), DType::fp32, hw, {"attention/dense-softmax", true, "", ""});
  EXPECT_DOUBLE_EQ(fam.seconds, 4e-3 / 0.25 + 2e-6);
  Prediction other = predict_roofline(toy_cost(), DType::fp32, hw, {"moe/unknown", true, "", ""});
  EXPECT_DOUBLE_EQ(other.efficiency, 0.5);  // falls back to the per-bound fraction
  Prediction off = predict_roofline(toy_cost(), DType::fp32, hw, {"", false, "", ""});
  EXPECT_DOUBLE_EQ(off.seconds, off.roofline_s);
  // Calibrated band: the fitted spread on both sides (no extrapolation: no fitted range given).
  const double latency = 1 + p.launch_s / p.seconds;
  EXPECT_DOUBLE_EQ(p.low_s, p.seconds / (1.1 * latency));
}

TEST(Roofline, BandWidensPerDecadeOutsideTheFittedRange) {
  HardwareProfile hw = toy_machine();
  hw.launch_latency_s = 0;
  hw.calibration.efficiency_by_bound = {{"compute", 1.0}};
  hw.calibration.spread = 0.1;
  hw.calibration.fitted_min_s = 1e-3;
  hw.calibration.fitted_max_s = 1e-2;
  EXPECT_DOUBLE_EQ(decades_outside_fit(hw.calibration, 5e-3), 0);
  EXPECT_NEAR(decades_outside_fit(hw.calibration, 1e-4), 1, 1e-12);
  EXPECT_NEAR(decades_outside_fit(hw.calibration, 1e0), 2, 1e-12);
  Cost inside;
  inside.flops_matrix = 4e9;  // 4 ms
  Cost below;
  below.flops_matrix = 1e8;  // 0.1 ms: one decade under the fitted range
  Prediction in = predict_roofline(inside, DType::fp32, hw);
  Prediction out = predict_roofline(below, DType::fp32, hw);
  EXPECT_NEAR(in.high_s / in.seconds, 1.1, 1e-12);
  EXPECT_NEAR(out.high_s / out.seconds, 1.1 * (1 + kWideningPerDecade), 1e-12);
}

}  // namespace
}  // namespace moat::model
