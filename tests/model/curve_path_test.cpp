// Code-path efficiency curves: the path key (model/curve_path.hpp), its fit next to the family and
// variant curves (model/calibration_fit.hpp), the lookup order in predictions, and the
// [calibration.curve.path."<key>"] tables of a profile.
#include "model/curve_path.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "curve_fixtures.hpp"
#include "model/calibration_fit.hpp"
#include "model/efficiency_curve.hpp"
#include "model/results_cases.hpp"
#include "model/roofline.hpp"
#include "model/validation.hpp"
#include "test_paths.hpp"

namespace moat::model {
namespace {

using testing::flat_curve;
HardwareProfile machine() { return testing::toy_machine(); }

TEST(CurvePath, QualifiesTheVariantByDtypeAndTextOrBooleanParameters) {
  const nlohmann::json params = {{"seq_q", 2048},  {"causal", true},    {"scale", 0.5},
                                 {"n_splits", 16}, {"mode", "chunked"}, {"alibi", false}};
  // Sorted by parameter name; numbers (sizes) never appear; fp32 storage is not a qualifier.
  EXPECT_EQ(curve_path("attention.x", "fp32", params),
            "attention.x|alibi=false|causal=true|mode=chunked");
  EXPECT_EQ(curve_path("attention.x", "bf16", params),
            "attention.x|bf16|alibi=false|causal=true|mode=chunked");
  EXPECT_EQ(curve_path("attention.dense", "", {{"causal", false}}), "attention.dense|causal=false");
  EXPECT_EQ(curve_path("attention.split_kv_decode", "bf16", {{"causal", true}, {"n_splits", 16}}),
            "attention.split_kv_decode|bf16|causal=true");
  // Only sizes, or no parameters at all: the path is the variant's name.
  EXPECT_EQ(curve_path("moe.grouped_ffn", "fp32", {{"experts", 8}, {"hidden", 7168}}),
            "moe.grouped_ffn");
  EXPECT_EQ(curve_path("moe.grouped_ffn", "fp32", nlohmann::json::object()), "moe.grouped_ffn");
  EXPECT_EQ(curve_path("moe.grouped_ffn", "fp32", nullptr), "moe.grouped_ffn");
  EXPECT_EQ(curve_path("", "bf16", {{"causal", true}}), "");
}

TEST(CurvePath, OfAResultsRecordAndOfItsMeasuredCase) {
  nlohmann::json rec = {{"name", "attention.dense?x"},
                        {"variant", "attention.dense"},
                        {"family", "attention/dense-softmax"},
                        {"params", {{"causal", true}, {"seq_q", 64}}},
                        {"status", "ok"},
                        {"summary", {{"median_s", 1e-3}}}};
  EXPECT_EQ(curve_path_of_case(rec), "attention.dense|causal=true");  // no "dtype": fp32
  rec["dtype"] = "bf16";
  EXPECT_EQ(curve_path_of_case(rec), "attention.dense|bf16|causal=true");
  const nlohmann::json doc = {{"schema", "moat.results"}, {"cases", {rec}}};
  const auto cases = measured_cases(doc);
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].path, "attention.dense|bf16|causal=true");
  EXPECT_EQ(cases[0].variant, "attention.dense");
}

// A compute-bound case of `variant`: `flops` at 1e12 FLOP/s, measured at `efficiency` of that.
nlohmann::json measured(const std::string& variant, const std::string& dtype, bool causal,
                        double flops, double efficiency) {
  return testing::compute_bound_record(variant + "?flops=" + std::to_string(flops), variant, dtype,
                                       {{"causal", causal}, {"seq_q", flops / 1e6}}, flops,
                                       flops / 1e12 / efficiency);
}

// Variant v: causal cases at 10%, 20%, 40% of peak over three decades (ln 2 per decade), full
// cases flat at 50%, interleaved in size; one bf16 causal case at 1e10 FLOPs (30%).
// Variant w has no qualifier: its path is its name.
nlohmann::json two_path_results() {
  nlohmann::json cases = {
      measured("v", "fp32", true, 1e9, 0.1),   measured("v", "fp32", true, 1e10, 0.2),
      measured("v", "fp32", true, 1e11, 0.4),  measured("v", "fp32", false, 3e9, 0.5),
      measured("v", "fp32", false, 3e10, 0.5), measured("v", "bf16", true, 1e10, 0.3),
      measured("w", "fp32", true, 1e9, 0.6),   measured("w", "fp32", true, 1e10, 0.6)};
  for (auto& c : cases)
    if (c["variant"] == "w") c["params"].erase("causal");
  return {{"schema", "moat.results"},
          {"run", {{"command", "moat run fit.toml"}, {"hardware_profile", {{"id", "toy"}}}}},
          {"cases", cases}};
}

TEST(CurvePathFit, EachCodePathGetsItsOwnLineTheVariantCurveStaysAsBefore) {
  const HardwareProfile hw = machine();
  const nlohmann::json doc = two_path_results();
  const Calibration c = fit_calibration(doc, hw);
  ASSERT_EQ(c.curve_by_path.size(), 3u);  // w's one path is its name: not stored twice
  const EfficiencyCurve& causal = c.curve_by_path.at("v|causal=true");
  const EfficiencyCurve& full = c.curve_by_path.at("v|causal=false");
  const EfficiencyCurve& bf16 = c.curve_by_path.at("v|bf16|causal=true");
  EXPECT_NEAR(causal.slope, std::log(2.0), 1e-12);
  EXPECT_NEAR(causal.ln_efficiency, std::log(0.2), 1e-12);  // mean of ln .1, .2, .4 at x = -2
  EXPECT_NEAR(full.slope, 0, 1e-12);
  EXPECT_NEAR(full.ln_efficiency, std::log(0.5), 1e-12);
  EXPECT_EQ(causal.cases, 3);
  // One point: the family's pooled same-path slope (pairs: ln 2 x3, 0, 0 -> ln 2) through it.
  EXPECT_NEAR(bf16.slope, std::log(2.0), 1e-12);
  EXPECT_NEAR(bf16.ln_efficiency, std::log(0.3), 1e-12);
  EXPECT_EQ(bf16.cases, 1);
  // The family and variant curves are the fit keyed by variant, as without paths.
  std::vector<CurvePoint> pts;
  for (const auto& m : measured_cases(doc))
    pts.push_back({m.variant, std::log10(m.work->flops_matrix / 1e12),
                   std::log(m.work->flops_matrix / 1e12 / m.measured_s)});
  const FamilyCurves by_variant = fit_family_curves(pts);
  EXPECT_DOUBLE_EQ(c.curve_by_variant.at("v").slope, by_variant.variants.at("v").slope);
  EXPECT_DOUBLE_EQ(c.curve_by_variant.at("v").ln_efficiency,
                   by_variant.variants.at("v").ln_efficiency);
  EXPECT_DOUBLE_EQ(c.curve_by_family.at("fam").slope, by_variant.family.slope);
  EXPECT_DOUBLE_EQ(c.curve_by_family.at("fam").ln_efficiency, by_variant.family.ln_efficiency);

  // Predicted with their paths, every fitted case is reproduced; v's one line cannot.
  HardwareProfile fitted = hw;
  fitted.calibration = c;
  double worst_path = 0, worst_variant = 0;
  for (const auto& m : measured_cases(doc)) {
    const Prediction p = predict_roofline(*m.work, m.dtype, fitted,
                                          PredictOptions{m.family, true, m.variant, m.path});
    const Prediction v =
        predict_roofline(*m.work, m.dtype, fitted, PredictOptions{m.family, true, m.variant, ""});
    EXPECT_EQ(p.calibration_level, m.variant == "v" ? "path" : "variant") << m.path;
    EXPECT_EQ(v.calibration_level, "variant");
    worst_path = std::max(worst_path, std::abs(m.measured_s / p.seconds - 1));
    if (m.variant == "v")
      worst_variant = std::max(worst_variant, std::abs(m.measured_s / v.seconds - 1));
  }
  EXPECT_LT(worst_path, 1e-9);
  EXPECT_GT(worst_variant, 0.3);
  // Spreads: the path level reproduces the family's cases, the variant level does not.
  EXPECT_NEAR(causal.spread, 0, 1e-9);
  EXPECT_NEAR(full.spread, 0, 1e-9);
  EXPECT_GT(c.curve_by_variant.at("v").spread, 0.3);
  EXPECT_NEAR(c.spread, 0, 1e-9);  // overall: the full lookup

  // moat validate predicts each case with its path; family-only mode uses neither.
  const ValidationSummary by_path = summarize_validation(repredict(doc, fitted));
  EXPECT_NEAR(by_path.overall.p90_error, 0, 1e-9);
  // The bf16 case's name is its fp32 twin's: the worst-case list and the JSON say its dtype.
  std::ostringstream printed;
  print_validation(by_path, printed, 8);
  EXPECT_NE(printed.str().find("  [bf16]\n"), std::string::npos) << printed.str();
  int bf16_rows = 0;
  const nlohmann::json summary = validation_to_json(by_path);
  for (const auto& row : summary["cases"]) bf16_rows += row["dtype"] == "bf16";
  EXPECT_EQ(bf16_rows, 1);
  const nlohmann::json fam_only = repredict(doc, fitted, true);
  for (const auto& rec : fam_only["cases"]) EXPECT_EQ(rec["prediction"]["calibration"], "family");
}

// Family "ffn" (apart from "fam", whose pooled slopes the test above checks): variant g's fp32
// cases (no qualifier: path "g") at 50% of peak, its bf16 cases at 5%, sizes interleaved over two
// decades; variant s, fp32 only, at 30%.
nlohmann::json unqualified_and_bf16_results() {
  nlohmann::json cases = nlohmann::json::array();
  auto add = [&](const std::string& variant, const std::string& dtype, double flops, double eff) {
    nlohmann::json c =
        testing::compute_bound_record(variant + "?flops=" + std::to_string(flops), variant, dtype,
                                      {{"tokens", flops / 1e6}}, flops, flops / 1e12 / eff);
    c["family"] = "ffn";
    cases.push_back(c);
  };
  for (double flops : {1e9, 1e10, 1e11}) add("g", "fp32", flops, 0.5);
  for (double flops : {3e9, 3e10}) add("g", "bf16", flops, 0.05);
  for (double flops : {1e9, 1e10}) add("s", "fp32", flops, 0.3);
  return {{"schema", "moat.results"},
          {"run", {{"command", "moat run fit.toml"}, {"hardware_profile", {{"id", "toy"}}}}},
          {"cases", cases}};
}

TEST(CurvePathFit, UnqualifiedPathGetsItsOwnCurveWhenItsVariantHasOtherPaths) {
  const HardwareProfile hw = machine();
  const nlohmann::json doc = unqualified_and_bf16_results();
  const Calibration c = fit_calibration(doc, hw);
  // g has two paths ("g", "g|bf16"): both stored. s has one, its name: its variant curve alone.
  ASSERT_EQ(c.curve_by_path.size(), 2u);
  ASSERT_EQ(c.curve_by_path.count("g"), 1u);
  ASSERT_EQ(c.curve_by_path.count("g|bf16"), 1u);
  EXPECT_EQ(c.curve_by_path.count("s"), 0u);
  EXPECT_NEAR(c.curve_by_path.at("g").ln_efficiency, std::log(0.5), 1e-12);
  EXPECT_NEAR(c.curve_by_path.at("g").slope, 0, 1e-12);
  EXPECT_EQ(c.curve_by_path.at("g").cases, 3);
  EXPECT_NEAR(c.curve_by_path.at("g|bf16").ln_efficiency, std::log(0.05), 1e-12);
  EXPECT_EQ(c.curve_by_variant.at("g").cases, 5);  // the variant curve still pools both paths

  HardwareProfile fitted = hw;
  fitted.calibration = c;
  int fp32_cases = 0;
  for (const auto& m : measured_cases(doc)) {
    const Prediction p = predict_roofline(*m.work, m.dtype, fitted,
                                          PredictOptions{m.family, true, m.variant, m.path});
    EXPECT_EQ(p.calibration_level, m.variant == "g" ? "path" : "variant") << m.path;
    EXPECT_NEAR(m.measured_s / p.seconds, 1, 1e-9) << m.path;
    if (m.path != "g") continue;
    ++fp32_cases;
    // Off the variant curve alone (the lookup before unqualified paths were stored), the bf16
    // cases drag the fp32 ones more than 2x too slow.
    const Prediction v =
        predict_roofline(*m.work, m.dtype, fitted, PredictOptions{m.family, true, m.variant, ""});
    EXPECT_EQ(v.calibration_level, "variant");
    EXPECT_GT(v.seconds / m.measured_s, 2.0) << m.path;
  }
  EXPECT_EQ(fp32_cases, 3);
  // Spreads: the path level reproduces the family's cases, the variant level does not.
  EXPECT_NEAR(c.curve_by_path.at("g").spread, 0, 1e-9);
  EXPECT_GT(c.curve_by_variant.at("g").spread, 0.5);
  EXPECT_NEAR(c.spread, 0, 1e-9);
  // moat validate looks the unqualified path up by the variant's name as well.
  EXPECT_NEAR(summarize_validation(repredict(doc, fitted)).overall.p90_error, 0, 1e-9);
}

TEST(CurvePathPrediction, PathBeatsVariantBeatsFamilyBeatsBound) {
  HardwareProfile hw = machine();
  hw.calibration.curve_by_family["f"] = flat_curve(0.5, 0.3);
  hw.calibration.curve_by_variant["f.v"] = flat_curve(0.25, 0.1);
  hw.calibration.curve_by_path["f.v|causal=true"] = flat_curve(0.2, 0.07);
  hw.calibration.efficiency_by_bound = {{"compute", 0.9}};
  Cost c;
  c.flops_matrix = 1e9;  // 1 ms at 1e12 FLOP/s
  auto at = [&](const std::string& family, const std::string& variant, const std::string& path) {
    return predict_roofline(c, DType::fp32, hw, PredictOptions{family, true, variant, path});
  };
  const Prediction pp = at("f", "f.v", "f.v|causal=true");
  EXPECT_EQ(pp.calibration_level, "path");
  EXPECT_NEAR(pp.seconds, 1e-3 / 0.2, 1e-15);
  EXPECT_NEAR(pp.high_s / pp.seconds, 1.07, 1e-12);          // the band takes the path's spread
  const Prediction pv = at("f", "f.v", "f.v|causal=false");  // a path the fit never saw
  EXPECT_EQ(pv.calibration_level, "variant");
  EXPECT_NEAR(pv.seconds, 1e-3 / 0.25, 1e-15);
  EXPECT_EQ(at("f", "f.v", "").calibration_level, "variant");
  const Prediction pf = at("f", "f.unseen", "f.unseen|causal=true");
  EXPECT_EQ(pf.calibration_level, "family");
  EXPECT_NEAR(pf.seconds, 1e-3 / 0.5, 1e-15);
  const Prediction pb = at("g", "g.v", "g.v|causal=true");
  EXPECT_EQ(pb.calibration_level, "bound");
  EXPECT_NEAR(pb.efficiency, 0.9, 1e-12);
  // The lookup on its own.
  const CurveChoice choice =
      calibrated_curve(hw.calibration, {"f", true, "f.v", "f.v|causal=true"});
  EXPECT_EQ(choice.level, "path");
  EXPECT_EQ(choice.curve, &hw.calibration.curve_by_path.at("f.v|causal=true"));
  EXPECT_EQ(calibrated_curve(hw.calibration, {"", true, "", ""}).curve, nullptr);
}

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / name).string();
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(CurvePathProfile, PathCurvesRoundTripThroughTheProfile) {
  HardwareProfile hw = machine();
  nlohmann::json doc = two_path_results();
  const nlohmann::json more = unqualified_and_bf16_results();
  for (const auto& c : more["cases"]) doc["cases"].push_back(c);
  hw.calibration = fit_calibration(doc, hw);
  const std::string path = temp_file("moat_curve_path_roundtrip.toml");
  save_hardware_profile(hw, path);
  const std::string text = read_text(path);
  EXPECT_NE(text.find("[calibration.curve.path.\"v|bf16|causal=true\"]"), std::string::npos)
      << text;
  EXPECT_NE(text.find("[calibration.curve.path.\"g\"]"), std::string::npos) << text;
  const HardwareProfile back = load_hardware_profile(path);
  std::filesystem::remove(path);
  ASSERT_EQ(back.calibration.curve_by_path.size(), hw.calibration.curve_by_path.size());
  for (const auto& [key, a] : hw.calibration.curve_by_path) {
    ASSERT_EQ(back.calibration.curve_by_path.count(key), 1u) << key;
    const EfficiencyCurve& b = back.calibration.curve_by_path.at(key);
    EXPECT_NEAR(a.ln_efficiency, b.ln_efficiency, 1e-8) << key;
    EXPECT_NEAR(a.slope, b.slope, 1e-8) << key;
    EXPECT_NEAR(a.center, b.center, 1e-8) << key;
    EXPECT_NEAR(a.x_min, b.x_min, 1e-8) << key;
    EXPECT_NEAR(a.x_max, b.x_max, 1e-8) << key;
    EXPECT_NEAR(a.spread, b.spread, 1e-6) << key;
    EXPECT_EQ(a.cases, b.cases) << key;
  }
  EXPECT_EQ(back.calibration.curve_by_variant.size(), hw.calibration.curve_by_variant.size());
}

const char* kOldProfile = R"(id = "toy"
kind = "cpu"
[compute.fp32]
matrix_flops = 1e12
vector_flops = 1e11
[[memory]]
name = "DRAM"
capacity_bytes = 1e9
bandwidth = 1e11
[calibration]
cases = 2
spread = 0.1
[calibration.efficiency]
compute = 0.9
[calibration.curve.family."f"]
ln_efficiency = -0.693147181
center = -3
x_min = -4
x_max = -2
cases = 2
spread = 0.3
[calibration.curve.variant."f.v"]
ln_efficiency = -1.38629436
center = -3
x_min = -4
x_max = -2
cases = 2
spread = 0.1
)";

std::string write_profile(const std::string& name, const std::string& text) {
  const std::string path = temp_file(name);
  std::ofstream(path) << text;
  return path;
}

TEST(CurvePathProfile, ProfilesWithoutPathCurvesLoadAndPredictAsBefore) {
  const std::string path = write_profile("moat_curve_path_old.toml", kOldProfile);
  const HardwareProfile hw = load_hardware_profile(path);
  std::filesystem::remove(path);
  EXPECT_TRUE(hw.calibration.curve_by_path.empty());
  Cost c;
  c.flops_matrix = 1e9;
  const Prediction p =
      predict_roofline(c, DType::fp32, hw, PredictOptions{"f", true, "f.v", "f.v|causal=true"});
  EXPECT_EQ(p.calibration_level, "variant");
  EXPECT_NEAR(p.seconds, 1e-3 / 0.25, 1e-9);
  // A committed profile fitted before path curves existed.
  const HardwareProfile h100 = load_hardware_profile(
      test::repo("results/gpu/h100-2026-12-07-tiles/gpu-fitted-on-families.toml"));
  EXPECT_TRUE(h100.calibration.curve_by_path.empty());
  EXPECT_FALSE(h100.calibration.curve_by_variant.empty());
}

TEST(CurvePathProfile, StrictKeysAcceptThePathTableAndRejectOthers) {
  const std::string with_path = std::string(kOldProfile) + R"(
[calibration.curve.path."f.v|causal=true"]
ln_efficiency = -1.6
center = -3
cases = 1
)";
  std::string path = write_profile("moat_curve_path_strict.toml", with_path);
  const HardwareProfile hw = load_hardware_profile(path);
  ASSERT_EQ(hw.calibration.curve_by_path.count("f.v|causal=true"), 1u);
  EXPECT_DOUBLE_EQ(hw.calibration.curve_by_path.at("f.v|causal=true").ln_efficiency, -1.6);
  for (const char* bad :
       {"\n[calibration.curve.paths.\"x\"]\nln_efficiency = -1\ncenter = -3\n",
        "\n[calibration.curve.path.\"x\"]\nln_efficiency = -1\ncenter = -3\nlevel = 2\n",
        "\n[calibration.curve.path]\nx = 1\n"}) {
    path = write_profile("moat_curve_path_strict.toml", std::string(kOldProfile) + bad);
    EXPECT_THROW(load_hardware_profile(path), Error) << bad;
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace moat::model
