#include <gtest/gtest.h>

#include <sstream>

#include "core/error.hpp"
#include "model/calibration_fit.hpp"
#include "model/roofline.hpp"
#include "model/validation.hpp"

namespace moat::model {
namespace {

HardwareProfile host() {
  HardwareProfile hw;
  hw.id = "host-measured";
  hw.compute[DType::fp32] = {1e11, 1e10};
  hw.memory = {{"DRAM", 1e9, 1e10}};
  return hw;
}

// A case whose roofline time is `roofline_s`, bound by `bound`, measured at `measured_s`.
nlohmann::json make_case(const std::string& family, const std::string& bound, double roofline_s,
                         double measured_s, const std::string& status = "ok") {
  nlohmann::json work = {{"flops_matrix", 0.0}, {"flops_vector", 0.0}, {"special_ops", 0.0},
                         {"bytes_dram", 0.0},   {"bytes_onchip", 0.0}, {"launches", 0.0}};
  if (bound == "compute") work["flops_matrix"] = roofline_s * 1e11;
  if (bound == "memory") work["bytes_dram"] = roofline_s * 1e10;
  nlohmann::json c = {
      {"name", family + "?x"}, {"family", family},
      {"dtype", "fp32"},       {"status", status},
      {"work", work},          {"prediction", {{"seconds", roofline_s}, {"bound", bound}}}};
  if (status == "ok") c["summary"] = {{"median_s", measured_s}};
  return c;
}

nlohmann::json results(std::vector<nlohmann::json> cases) {
  return {
      {"schema", "moat.results"},
      {"schema_version", 1},
      {"run", {{"command", "moat run x.toml"}, {"hardware_profile", {{"id", "host-measured"}}}}},
      {"cases", cases}};
}

TEST(CalibrationFit, RecoversPerBoundAndPerFamilyEfficiency) {
  auto doc = results({
      make_case("attention/dense-softmax", "compute", 1e-3, 2e-3),    // 0.5
      make_case("attention/dense-softmax", "compute", 2e-3, 5e-3),    // 0.4
      make_case("attention/dense-softmax", "compute", 1e-3, 1.6e-3),  // 0.625
      make_case("moe/topk-softmax", "memory", 1e-2, 1.25e-2),         // 0.8
      make_case("moe/topk-softmax", "compute", 4e-3, 1e-2),           // 0.4
      make_case("moe/topk-softmax", "compute", 4e-3, 0, "error"),     // ignored
  });
  Calibration c = fit_calibration(doc, host());
  EXPECT_EQ(c.cases, 5);
  EXPECT_NEAR(c.efficiency_by_family.at("attention/dense-softmax").at("compute"), 0.5, 1e-12);
  EXPECT_NEAR(c.efficiency_by_family.at("moe/topk-softmax").at("memory"), 0.8, 1e-12);
  EXPECT_NEAR(c.efficiency_by_family.at("moe/topk-softmax").at("compute"), 0.4, 1e-12);
  // Per bound over all families: compute {0.5, 0.4, 0.625, 0.4} -> median 0.45.
  EXPECT_NEAR(c.efficiency_by_bound.at("compute"), 0.45, 1e-12);
  EXPECT_NEAR(c.efficiency_by_bound.at("memory"), 0.8, 1e-12);
  EXPECT_DOUBLE_EQ(c.fitted_min_s, 1e-3);
  EXPECT_DOUBLE_EQ(c.fitted_max_s, 1e-2);
  // Residuals after the per-family fit: 0, 0.2 (0.4 vs 0.5), 0.2 (0.625 vs 0.5), 0, 0
  // in measured/predicted terms: |0.5/0.4 - 1| = 0.25 and |0.5/0.625 - 1| = 0.2; p90 of
  // {0, 0, 0, 0.2, 0.25} = 0.2 + 0.6 * 0.05 = 0.23.
  EXPECT_NEAR(c.spread, 0.23, 1e-12);
  EXPECT_EQ(c.fitted_from, "moat run x.toml");
}

TEST(CalibrationFit, RejectsResultsFromAnotherMachineAndEmptyDocuments) {
  HardwareProfile other = host();
  other.id = "h100-sxm";
  auto doc = results({make_case("f", "compute", 1e-3, 2e-3)});
  EXPECT_THROW(fit_calibration(doc, other), Error);
  EXPECT_NO_THROW(fit_calibration(doc, other, FitOptions{false, "x"}));
  EXPECT_THROW(fit_calibration(results({}), host()), Error);
  EXPECT_THROW(fit_calibration(nlohmann::json{{"schema", "other"}}, host()), Error);
}

TEST(CalibrationFit, FittedProfilePredictsTheMeasuredMedian) {
  auto doc =
      results({make_case("f", "compute", 1e-3, 2e-3), make_case("f", "compute", 1e-3, 2e-3)});
  HardwareProfile hw = host();
  hw.calibration = fit_calibration(doc, hw);
  Cost c;
  c.flops_matrix = 1e-3 * 1e11;
  EXPECT_NEAR(predict_roofline(c, DType::fp32, hw, {"f", true, "", ""}).seconds, 2e-3, 1e-15);
}

TEST(Validation, MedianAndP90OfRelativeErrorPerFamilyAndOverall) {
  // Ratios measured/predicted: family a: 1.1, 0.8, 1.5; family b: 2.0. Errors: 0.1, 0.2, 0.5; 1.0.
  auto doc = results({make_case("a", "compute", 1, 1.1), make_case("a", "compute", 1, 0.8),
                      make_case("a", "compute", 1, 1.5), make_case("b", "memory", 1, 2.0),
                      make_case("b", "memory", 1, 9.0, "wrong_result")});
  ValidationSummary s = summarize_validation(doc);
  ASSERT_EQ(s.families.size(), 2u);
  EXPECT_EQ(s.families[0].family, "a");
  EXPECT_EQ(s.families[0].cases, 3);
  EXPECT_NEAR(s.families[0].median_error, 0.2, 1e-12);
  EXPECT_NEAR(s.families[0].p90_error, 0.2 + 0.8 * 0.3, 1e-12);  // rank 1.8 of {0.1, 0.2, 0.5}
  EXPECT_NEAR(s.families[0].median_ratio, 1.1, 1e-12);
  EXPECT_EQ(s.families[1].cases, 1);
  EXPECT_NEAR(s.families[1].median_error, 1.0, 1e-12);
  EXPECT_EQ(s.overall.cases, 4);
  EXPECT_NEAR(s.overall.median_error, 0.35, 1e-12);  // {0.1, 0.2, 0.5, 1.0}
  ASSERT_EQ(s.cases.size(), 4u);  // largest error first; the wrong result is not compared
  EXPECT_NEAR(s.cases[0].error(), 1.0, 1e-12);
  EXPECT_EQ(s.cases[0].family, "b");
  EXPECT_NEAR(s.cases[1].error(), 0.5, 1e-12);
  EXPECT_NEAR(s.cases[3].error(), 0.1, 1e-12);
  std::ostringstream printed;
  print_validation(s, printed, 2);
  EXPECT_NE(printed.str().find("largest errors"), std::string::npos);
  EXPECT_NE(printed.str().find("100.0%"), std::string::npos);
  EXPECT_EQ(printed.str().find("  10.0%"), std::string::npos) << "only the two largest";
  EXPECT_EQ(validation_to_json(s)["cases"].size(), 4u);
  EXPECT_NEAR(s.overall.p90_error, 0.5 + 0.7 * 0.5, 1e-12);  // rank 2.7
  std::ostringstream out;
  print_validation(s, out);
  EXPECT_NE(out.str().find("overall"), std::string::npos);
  EXPECT_EQ(validation_to_json(s)["overall"]["cases"], 4);
}

}  // namespace
}  // namespace moat::model
