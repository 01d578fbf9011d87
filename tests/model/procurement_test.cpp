#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "model/model_scenario.hpp"
#include "model/procurement/procurement.hpp"
#include "model/procurement/procurement_report.hpp"
#include "test_paths.hpp"

namespace moat::model {
namespace {

namespace fs = std::filesystem;

std::string write_temp(const std::string& name, const std::string& text) {
  fs::path p = fs::temp_directory_path() / ("moat_model_test_" + name);
  std::ofstream(p) << text;
  return p.string();
}

// A scenario outside the repository names presets and profiles by path.
std::string scenario_text(const std::string& workload_extra = "", const std::string& candidate_extra = "") {
  return "kind = \"model\"\n"
         "[model]\npreset = \"" + test::preset("llama-3.1-8b") + "\"\n"
         "[workload]\nphase = \"decode\"\nbatch = 8\ncontext = 1024\n" + workload_extra +
         "[[candidate]]\nhardware = \"" + test::hardware("h100-sxm") + "\"\ngpus = 1\n" + candidate_extra +
         "[[candidate]]\nhardware = \"" + test::hardware("a100-sxm-80gb") + "\"\ngpus = 1\n";
}

std::string error_of(const std::string& path) {
  try {
    load_procurement_scenario(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Procurement, CostAndEnergyByHand) {
  auto path = write_temp("cost.toml", scenario_text());
  ProcurementResult r = run_procurement(path);
  ASSERT_EQ(r.ranked.size(), 2u);
  for (const auto& c : r.ranked) {
    const HardwareProfile hw = load_hardware_profile(test::hardware(c.hardware_id));
    const double tps = c.estimate.tokens_per_s;
    EXPECT_DOUBLE_EQ(c.usd_per_hour, hw.price.usd_per_hour);
    EXPECT_DOUBLE_EQ(c.usd_per_mtok, hw.price.usd_per_hour / (tps * 3600) * 1e6);
    EXPECT_DOUBLE_EQ(c.joules_per_token, hw.tdp_watts / tps);
    EXPECT_FALSE(c.price_source.empty());
  }
  EXPECT_LE(r.ranked[0].usd_per_mtok, r.ranked[1].usd_per_mtok);
}

TEST(Procurement, OwnershipCostAmortizesPurchaseAndPaysPower) {
  HardwareProfile hw;
  hw.price.purchase_usd = 8760 * 4;  // 1 USD per hour over 4 years
  hw.tdp_watts = 500;
  Economics e{"ownership", 4, 0.1, 1.5};
  // 2 devices x (1 USD/h + 0.5 kW x 1.5 x 0.1 USD/kWh)
  EXPECT_DOUBLE_EQ(hourly_cost_usd(hw, 2, e), 2 * (1 + 0.075));
  hw.price.usd_per_hour = 3;
  EXPECT_DOUBLE_EQ(hourly_cost_usd(hw, 2, Economics{}), 6);
}

TEST(Procurement, RankingPutsCandidatesWithoutTheMetricLast) {
  std::vector<CandidateResult> v(3);
  v[0].label = "no price";
  v[1].label = "dear";
  v[1].usd_per_mtok = 2;
  v[2].label = "cheap";
  v[2].usd_per_mtok = 1;
  v[0].estimate.tokens_per_s = 100;
  v[1].estimate.tokens_per_s = 10;
  v[2].estimate.tokens_per_s = 50;
  rank_candidates(v, "usd_per_mtok");
  EXPECT_EQ(v[0].label, "cheap");
  EXPECT_EQ(v[2].label, "no price");
  rank_candidates(v, "tokens_per_s");
  EXPECT_EQ(v[0].label, "no price");
}

TEST(Procurement, StrictScenarioErrors) {
  std::string e = error_of(write_temp("unknown.toml", scenario_text("batchsize = 8\n")));
  EXPECT_NE(e.find(":8:1: error: unknown key 'batchsize' in [workload]"), std::string::npos) << e;
  EXPECT_NE(e.find("hint: allowed keys:"), std::string::npos) << e;
  std::string text = scenario_text();
  text.replace(text.find("batch = 8"), 9, "batch = \"8\"");
  e = error_of(write_temp("type.toml", text));
  EXPECT_NE(e.find(":6:9: error: 'batch' in [workload] must be an integer"), std::string::npos) << e;
  text = scenario_text();
  text.replace(text.find("\"decode\""), 8, "\"train\"");
  e = error_of(write_temp("value.toml", text));
  EXPECT_NE(e.find(":5:9: error: 'train' is not a valid 'phase'"), std::string::npos) << e;
  EXPECT_NE(e.find("one of: prefill, decode"), std::string::npos) << e;
  e = error_of(write_temp("gpus.toml", scenario_text("", "tp = 2\n")));
  EXPECT_NE(e.find("gpus = 1 but tp*pp*dp = 2"), std::string::npos) << e;
  e = error_of(write_temp("ep.toml", scenario_text("", "ep = 2\ngpus_extra = 1\n")));
  EXPECT_NE(e.find("unknown key 'gpus_extra'"), std::string::npos) << e;
  text = scenario_text();
  text.replace(text.find(test::preset("llama-3.1-8b")), test::preset("llama-3.1-8b").size(), "no-such-model");
  e = error_of(write_temp("preset.toml", text));
  EXPECT_NE(e.find(":3:10: error: cannot find 'no-such-model'"), std::string::npos) << e;
  EXPECT_NE(e.find("deepseek-v3"), std::string::npos) << e;  // lists the known ids
  e = error_of(write_temp("owner.toml", scenario_text() + "[economics]\ncost_basis = \"ownership\"\n"
                                                            "years = 4\nusd_per_kwh = 0.1\n"));
  EXPECT_NE(e.find("no purchase price"), std::string::npos) << e;
  e = error_of(write_temp("rental.toml", scenario_text() + "[economics]\nyears = 4\n"));
  EXPECT_NE(e.find("applies to cost_basis = \"ownership\" only"), std::string::npos) << e;
  e = error_of(write_temp("zipf.toml", scenario_text("[workload.routing]\ndistribution = \"uniform\"\nzipf_s = 1.0\n")));
  EXPECT_NE(e.find("zipf_s applies to distribution = \"zipf\" only"), std::string::npos) << e;
}

TEST(Procurement, RepositoryScenariosRunAndExplainInfeasibleConfigs) {
  ProcurementResult ds = run_procurement(test::repo("scenarios/procurement-deepseek-v3-decode.toml"));
  EXPECT_EQ(ds.scenario.model.id, "deepseek-v3");
  EXPECT_GE(ds.ranked.size(), 4u);
  bool tp8_infeasible = false;
  for (const auto& c : ds.infeasible) {
    EXPECT_FALSE(c.estimate.reason.empty());
    tp8_infeasible = tp8_infeasible || c.label == "8x H200, TP8 EP8";
  }
  EXPECT_TRUE(tp8_infeasible);
  for (std::size_t i = 1; i < ds.ranked.size(); ++i) {
    if (!std::isnan(ds.ranked[i].usd_per_mtok)) {
      EXPECT_LE(ds.ranked[i - 1].usd_per_mtok, ds.ranked[i].usd_per_mtok);
    }
  }
  EXPECT_EQ(ds.sensitivity.size(), 6u);  // bandwidth, flops, price at -20% and +20%
  for (const auto& s : ds.sensitivity) EXPECT_FALSE(s.winner.empty());

  ProcurementResult mx = run_procurement(test::repo("scenarios/procurement-mixtral-prefill.toml"));
  EXPECT_FALSE(mx.infeasible.empty());  // one H100 cannot hold 93 GB of BF16 weights
  // Single-device prefill is compute-bound; four L40S spend most of it on PCIe all-reduces.
  for (const auto& c : mx.ranked) {
    if (c.plan.devices() == 1) {
      EXPECT_EQ(c.estimate.bound, "compute") << c.label;
    }
    if (c.label == "4x l40s (tp4 ep1 pp1 dp1)") {
      EXPECT_EQ(c.estimate.bound, "communication");
    }
  }

  ProcurementResult cpu = run_procurement(test::repo("scenarios/procurement-qwen3-30b-a3b-cpu-decode.toml"));
  EXPECT_EQ(cpu.scenario.economics.cost_basis, "ownership");
  EXPECT_EQ(cpu.ranked.size(), 3u);
}

TEST(Procurement, JsonAndTextReports) {
  auto path = write_temp("report.toml", scenario_text() + "[sensitivity]\nbandwidth = 0.2\n");
  ProcurementResult r = run_procurement(path);
  nlohmann::json j = procurement_to_json(r);
  EXPECT_EQ(j["schema"], "moat.procurement");
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["ranking"].size(), 2u);
  EXPECT_EQ(j["ranking"][0]["rank"], 1);
  EXPECT_TRUE(j["ranking"][0].contains("tpot_s"));
  EXPECT_TRUE(j["ranking"][0]["memory"].contains("max_batch"));
  EXPECT_EQ(j["sensitivity"].size(), 2u);
  EXPECT_EQ(j["model"]["id"], "llama-3.1-8b");
  std::ostringstream text;
  print_procurement(r, text);
  EXPECT_NE(text.str().find("TPOT ms"), std::string::npos);
  EXPECT_NE(text.str().find("Sensitivity"), std::string::npos);
}

TEST(ModelScenario, EntryPointsForMoatPredict) {
  auto path = write_temp("entry.toml", scenario_text());
  EXPECT_TRUE(is_model_scenario(path));
  EXPECT_FALSE(is_model_scenario(test::repo("scenarios/quickstart.toml")));
  EXPECT_FALSE(is_model_scenario(write_temp("broken.toml", "kind = \n")));
  const std::string json = (fs::temp_directory_path() / "moat_model_test_out" / "p.json").string();
  std::ostringstream out;
  EXPECT_EQ(predict_model_scenario(path, json, out), 0);
  std::ifstream f(json);
  ASSERT_TRUE(f.good());
  EXPECT_EQ(nlohmann::json::parse(f)["schema"], "moat.procurement");
  EXPECT_NE(out.str().find("wrote " + json), std::string::npos);
}

}  // namespace
}  // namespace moat::model
