// Efficiency curves (model/efficiency_curve.hpp) against hand-computed fits, their use in
// predictions and bands, and their round trip through a profile's [calibration] table.
#include "model/efficiency_curve.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "curve_fixtures.hpp"
#include "model/calibration_fit.hpp"
#include "model/roofline.hpp"
#include "model/uncertainty.hpp"
#include "model/validation.hpp"

namespace moat::model {
namespace {

using testing::flat_curve;
HardwareProfile machine() { return testing::toy_machine(); }

TEST(EfficiencyCurve, OwnLinePerVariantPooledTheilSenForTheFamily) {
  // Variant a: x = -3, -2, -1 with ln eff = -2, -1.5, -1 (slope 0.5 per decade).
  // Variant b: x = -3, -1 with ln eff = -1, 0 (slope 0.5); a pair closer than 0.1 decade is ignored
  // by the family's Theil-Sen slope (but not by b's own least squares).
  // Variant c: a single point (no slope information), x = -2, ln eff = -3.
  std::vector<CurvePoint> pts = {{"a", -3, -2}, {"a", -2, -1.5}, {"a", -1, -1}, {"b", -3, -1},
                                 {"b", -1, 0},  {"b", -1.05, 5}, {"c", -2, -3}};
  FamilyCurves fc = fit_family_curves(pts);
  // Family: pair slopes a: 0.5, 0.5, 0.5; b: (-3,-1): 0.5, (-3,-1.05): 6/1.95 = 3.08,
  // (-1,-1.05) ignored. Median of {0.5, 0.5, 0.5, 0.5, 3.08} = 0.5.
  EXPECT_NEAR(fc.family.slope, 0.5, 1e-12);
  const double center = (-3 - 2 - 1 - 3 - 1 - 1.05 - 2) / 7.0;
  EXPECT_NEAR(fc.family.center, center, 1e-12);
  // Family level: median over variants of median(y - 0.5 (x - center)):
  //   a: -0.5 + 0.5c (every point); b: median{0.5 + 0.5c, 0.5 + 0.5c, 5.525 + 0.5c} = 0.5 + 0.5c;
  //   c: -2 + 0.5c. Median of the three = a's.
  EXPECT_NEAR(fc.family.ln_efficiency, -0.5 + 0.5 * center, 1e-12);
  // a: its own line, slope 0.5 through its mean (-2, -1.5).
  EXPECT_NEAR(fc.variants.at("a").slope, 0.5, 1e-12);
  EXPECT_NEAR(fc.variants.at("a").center, -2, 1e-12);
  EXPECT_NEAR(fc.variants.at("a").ln_efficiency, -1.5, 1e-12);
  // b: mean (-5.05/3, 4/3); deviations dx = (-1.3167, 0.6833, 0.6333), dy = (-2.3333, -1.3333,
  // 3.6667): sxx = 2.60167, sxy = 4.48333, slope 1.723 -> clamped to kMaxSlope.
  EXPECT_DOUBLE_EQ(fc.variants.at("b").slope, kMaxSlope);
  EXPECT_NEAR(fc.variants.at("b").center, -5.05 / 3, 1e-12);
  EXPECT_NEAR(fc.variants.at("b").ln_efficiency, 4.0 / 3, 1e-12);
  // c: one point, no spread: the family slope through it.
  EXPECT_NEAR(fc.variants.at("c").slope, 0.5, 1e-12);
  EXPECT_NEAR(fc.variants.at("c").center, -2, 1e-12);
  EXPECT_NEAR(fc.variants.at("c").ln_efficiency, -3, 1e-12);
  EXPECT_DOUBLE_EQ(fc.variants.at("a").x_min, -3);
  EXPECT_DOUBLE_EQ(fc.variants.at("a").x_max, -1);
  EXPECT_DOUBLE_EQ(fc.variants.at("c").x_min, -2);
  EXPECT_DOUBLE_EQ(fc.family.x_min, -3);
  EXPECT_DOUBLE_EQ(fc.family.x_max, -1);
  EXPECT_EQ(fc.family.cases, 7);
  EXPECT_EQ(fc.variants.at("b").cases, 3);
  EXPECT_THROW(fit_family_curves({}), Error);
}

TEST(EfficiencyCurve, ExtrapolatesOneDecadeThenStaysFlat) {
  EfficiencyCurve c;
  c.ln_efficiency = std::log(0.4);
  c.slope = 0.3;
  c.center = -3;
  c.x_min = -4;
  c.x_max = -2;
  EXPECT_NEAR(curve_efficiency(c, 1e-3), 0.4, 1e-12);
  EXPECT_NEAR(curve_efficiency(c, 1e-2), 0.4 * std::exp(0.3), 1e-12);
  EXPECT_NEAR(curve_efficiency(c, 1e-1), 0.4 * std::exp(0.6), 1e-12);  // one decade beyond
  EXPECT_NEAR(curve_efficiency(c, 1e0), 0.4 * std::exp(0.6), 1e-12);   // flat after that
  EXPECT_NEAR(curve_efficiency(c, 1e-6), 0.4 * std::exp(-0.6), 1e-12);
  EXPECT_DOUBLE_EQ(curve_decades_outside(c, 1e-3), 0);
  EXPECT_NEAR(curve_decades_outside(c, 1e0), 2, 1e-12);
  EXPECT_NEAR(curve_decades_outside(c, 1e-6), 2, 1e-12);
}

TEST(EfficiencyCurve, NoSlopeWithoutPairsAndSlopeIsClamped) {
  FamilyCurves one = fit_family_curves({{"a", -3, -1}, {"b", -2, -2}});
  EXPECT_DOUBLE_EQ(one.family.slope, 0);
  EXPECT_DOUBLE_EQ(one.family.ln_efficiency, -1.5);  // median of {-1, -2}
  FamilyCurves steep = fit_family_curves({{"a", -3, -10}, {"a", -2, 0}});
  EXPECT_DOUBLE_EQ(steep.family.slope, kMaxSlope);
}

TEST(EfficiencyCurve, PredictionUsesVariantThenFamilyCurveAndWidensOutside) {
  HardwareProfile hw = machine();
  const EfficiencyCurve fam = flat_curve(0.5, 0.3);
  const EfficiencyCurve var = flat_curve(0.25, 0.1);
  hw.calibration.curve_by_family["f"] = fam;
  hw.calibration.curve_by_variant["f.v"] = var;
  hw.calibration.efficiency_by_bound = {{"compute", 0.9}};
  Cost c;
  c.flops_matrix = 1e9;  // 1 ms at 1e12 FLOP/s
  Prediction pv = predict_roofline(c, DType::fp32, hw, {"f", true, "f.v", ""});
  EXPECT_EQ(pv.calibration_level, "variant");
  EXPECT_NEAR(pv.seconds, 1e-3 / 0.25, 1e-15);
  EXPECT_NEAR(pv.high_s / pv.seconds, 1.1, 1e-12);
  Prediction pf = predict_roofline(c, DType::fp32, hw, {"f", true, "f.unseen", ""});
  EXPECT_EQ(pf.calibration_level, "family");
  EXPECT_NEAR(pf.seconds, 1e-3 / 0.5, 1e-15);
  EXPECT_NEAR(pf.high_s / pf.seconds, 1.3, 1e-12);  // the family's (wider) spread
  Prediction pb = predict_roofline(c, DType::fp32, hw, {"g", true, "g.v", ""});
  EXPECT_EQ(pb.calibration_level, "bound");
  EXPECT_NEAR(pb.efficiency, 0.9, 1e-12);
  // Two decades beyond the fitted range: the band widens by 1 + 2 * kWideningPerDecade.
  Cost big;
  big.flops_matrix = 1e12;  // 1 s: x = 0, x_max = -2
  Prediction far = predict_roofline(big, DType::fp32, hw, {"f", true, "f.v", ""});
  EXPECT_NEAR(far.extrapolation_decades, 2, 1e-12);
  EXPECT_NEAR(far.high_s / far.seconds, 1.1 * (1 + 2 * kWideningPerDecade), 1e-12);
  EXPECT_NEAR(far.seconds / far.low_s, 1.1 * (1 + 2 * kWideningPerDecade), 1e-12);
  // Uncalibrated on request: the bare roofline and the uncalibrated band.
  Prediction off = predict_roofline(c, DType::fp32, hw, {"f", false, "f.v", ""});
  EXPECT_DOUBLE_EQ(off.seconds, 1e-3);
  EXPECT_NEAR(off.high_s / off.seconds, kUncalibratedHigh, 1e-12);
}

nlohmann::json measured(const std::string& variant, double flops, double measured_s) {
  return testing::compute_bound_record(variant + "?x", variant, "fp32", nlohmann::json::object(),
                                       flops, measured_s);
}

TEST(EfficiencyCurve, FitFromResultsRecoversACurveAndRoundTripsThroughTheProfile) {
  // Variant v reaches 10% of peak at 1 ms of roofline work and 20% at 10 ms:
  // slope ln(2) per decade. Variant w: a constant 40%.
  HardwareProfile hw = machine();
  nlohmann::json doc = {
      {"schema", "moat.results"},
      {"run", {{"command", "moat run fit.toml"}, {"hardware_profile", {{"id", "toy"}}}}},
      {"cases",
       {measured("v", 1e9, 1e-2), measured("v", 1e10, 5e-2), measured("w", 1e9, 2.5e-3),
        measured("w", 1e10, 2.5e-2)}}};
  Calibration c = fit_calibration(doc, hw);
  ASSERT_EQ(c.curve_by_family.count("fam"), 1u);
  // Pair slopes: v: ln 2, w: 0; median ln(2)/2.
  EXPECT_NEAR(c.curve_by_family.at("fam").slope, std::log(2.0) / 2, 1e-12);
  EXPECT_NEAR(c.curve_by_family.at("fam").center, -2.5, 1e-12);
  // Each variant keeps its own line: v ln 2 per decade through ln 0.1 and ln 0.2, w flat at 40%.
  EXPECT_NEAR(c.curve_by_variant.at("v").slope, std::log(2.0), 1e-12);
  EXPECT_NEAR(c.curve_by_variant.at("v").ln_efficiency, (std::log(0.1) + std::log(0.2)) / 2, 1e-12);
  EXPECT_NEAR(c.curve_by_variant.at("w").slope, 0, 1e-12);
  EXPECT_NEAR(c.curve_by_variant.at("w").ln_efficiency, std::log(0.4), 1e-12);
  hw.calibration = c;
  const std::string path =
      (std::filesystem::temp_directory_path() / "moat_curve_roundtrip.toml").string();
  save_hardware_profile(hw, path);
  HardwareProfile back = load_hardware_profile(path);
  std::filesystem::remove(path);
  ASSERT_EQ(back.calibration.curve_by_variant.size(), 2u);
  for (const char* v : {"v", "w"}) {
    const auto& a = c.curve_by_variant.at(v);
    const auto& b = back.calibration.curve_by_variant.at(v);
    EXPECT_NEAR(a.ln_efficiency, b.ln_efficiency, 1e-8);
    EXPECT_NEAR(a.slope, b.slope, 1e-8);
    EXPECT_NEAR(a.center, b.center, 1e-8);
    EXPECT_NEAR(a.spread, b.spread, 1e-6);
    EXPECT_EQ(a.cases, b.cases);
  }
  // The fitted profile predicts the fitted points within its recorded spread.
  Cost k;
  k.flops_matrix = 1e9;
  Prediction p = predict_roofline(k, DType::fp32, back, {"fam", true, "v", ""});
  // Hand-computed: v's own line passes through both of its points, so at x = -3 it gives exactly
  // 10%: 1 ms of roofline work takes 10 ms. Every fitted point is reproduced, so the spread of the
  // variant level (p90 over the family's cases) is 0.
  EXPECT_NEAR(p.seconds, 1e-3 / 0.1, 1e-9);
  EXPECT_NEAR(c.curve_by_variant.at("v").spread, 0, 1e-12);
  // The family curve (pooled slope ln(2)/2) misses both variants: its spread is not 0.
  EXPECT_GT(c.curve_by_family.at("fam").spread, 0.1);
}

TEST(Validation, RepredictsFromRecordedWorkWithAnotherProfile) {
  HardwareProfile hw = machine();
  const EfficiencyCurve fam = flat_curve(0.5);
  const EfficiencyCurve var = flat_curve(0.25);
  hw.calibration.curve_by_family["fam"] = fam;
  hw.calibration.curve_by_variant["v"] = var;
  nlohmann::json doc = {{"schema", "moat.results"},
                        {"cases", {measured("v", 1e9, 4e-3)}}};  // 1 ms roofline, 4 ms measured
  ValidationSummary by_variant = summarize_validation(repredict(doc, hw));
  EXPECT_NEAR(by_variant.overall.median_error, 0, 1e-12);  // 1 ms / 0.25 = 4 ms
  nlohmann::json fam_only = repredict(doc, hw, true);
  EXPECT_EQ(fam_only["cases"][0]["prediction"]["calibration"], "family");
  EXPECT_NEAR(summarize_validation(fam_only).overall.median_error, 1.0, 1e-12);  // 4 / 2 - 1
  EXPECT_THROW(repredict(nlohmann::json{{"schema", "x"}}, hw), Error);
}

TEST(Validation, CountsCasesInsideTheirBand) {
  auto rec = [](double measured_s, double low, double high) {
    return nlohmann::json{{"family", "f"},
                          {"status", "ok"},
                          {"summary", {{"median_s", measured_s}}},
                          {"prediction", {{"seconds", 1.0}, {"low_s", low}, {"high_s", high}}}};
  };
  nlohmann::json doc = {
      {"schema", "moat.results"},
      {"cases",
       {rec(1.05, 0.9, 1.1), rec(1.2, 0.9, 1.1), rec(0.95, 0.9, 1.1), rec(1.0, 0.5, 2.0)}}};
  ValidationSummary s = summarize_validation(doc);
  EXPECT_EQ(s.overall.with_band, 4);
  EXPECT_NEAR(s.overall.within_band, 0.75, 1e-12);
  EXPECT_NEAR(validation_to_json(s)["overall"]["fraction_within_band"].get<double>(), 0.75, 1e-12);
}

}  // namespace
}  // namespace moat::model
