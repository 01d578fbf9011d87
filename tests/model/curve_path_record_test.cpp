// `moat run` / `moat predict` records (bench/case_record.cpp) look up the same code-path curve
// that the fit (model/calibration_fit.cpp) keys from the recorded fields.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "bench/case_record.hpp"
#include "model/curve_path.hpp"
#include "scenario/scenario.hpp"

namespace moat {
namespace {

const char* kScenario = R"(
[scenario]
name = "curve-path-record"
[[sweep]]
variant = "attention.dense"
dtype = ["fp32", "bf16"]
[sweep.axes]
seq_q = [16, 64]
causal = [false, true]
[sweep.fixed]
seq_kv = 64
head_dim = 16
)";

model::HardwareProfile machine() {
  model::HardwareProfile hw;
  hw.id = "toy";
  hw.kind = "cpu";
  hw.provenance = "measured";
  hw.compute[DType::fp32] = {1e12, 1e11};
  hw.memory = {{"DRAM", 1e9, 1e11}};
  model::EfficiencyCurve flat;
  flat.ln_efficiency = std::log(0.5);
  hw.calibration.curve_by_variant["attention.dense"] = flat;
  return hw;
}

TEST(CurvePathRecord, RecordedPredictionUsesThePathTheFitComputesFromTheRecord) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "moat_curve_path_record.toml").string();
  std::ofstream(path) << kScenario;
  const auto cases = expand_cases(load_scenario(path), {});
  std::filesystem::remove(path);
  ASSERT_EQ(cases.size(), 8u);
  int bf16_causal = 0;
  for (const Case& c : cases) {
    const nlohmann::json bare = predict_case(c, nullptr, "moat run t.toml", "model");
    const std::string key = model::curve_path_of_case(bare);
    const bool causal = c.params.b("causal");
    EXPECT_EQ(key, std::string("attention.dense") + (c.dtype == DType::bf16 ? "|bf16" : "") +
                       "|causal=" + (causal ? "true" : "false"));
    if (c.dtype == DType::bf16 && causal) ++bf16_causal;
    // A profile with a curve for exactly this key: the record's prediction takes it.
    model::HardwareProfile hw = machine();
    model::EfficiencyCurve curve;
    curve.ln_efficiency = std::log(0.25);
    hw.calibration.curve_by_path[key] = curve;
    const nlohmann::json rec = predict_case(c, &hw, "moat run t.toml", "model");
    EXPECT_EQ(rec["prediction"]["calibration"], "path") << key;
    EXPECT_NEAR(rec["prediction"]["efficiency"].get<double>(), 0.25, 1e-12) << key;
    // Another path's curve is not taken: the variant's is.
    hw.calibration.curve_by_path = {{key + "|other=x", curve}};
    EXPECT_EQ(predict_case(c, &hw, "moat run t.toml", "model")["prediction"]["calibration"],
              "variant")
        << key;
  }
  EXPECT_EQ(bf16_causal, 2);
}

}  // namespace
}  // namespace moat
