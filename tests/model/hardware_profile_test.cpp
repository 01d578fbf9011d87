#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "model/hardware_profile.hpp"
#include "model/roofline.hpp"
#include "test_paths.hpp"

namespace moat::model {
namespace {

namespace fs = std::filesystem;

std::string write_temp(const std::string& name, const std::string& text) {
  fs::path p = fs::temp_directory_path() / ("moat_model_test_" + name);
  std::ofstream(p) << text;
  return p.string();
}

std::string load_error(const std::string& path) {
  try {
    load_hardware_profile(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const char* kCatalog[] = {"h100-sxm", "h100-pcie", "h200",   "b200",        "gb200",
                          "a100-sxm-80gb", "l40s", "mi300x", "mi325x",      "gaudi3",
                          "xeon-8480plus", "epyc-9654", "grace"};

TEST(HardwareCatalog, EveryProfileLoadsAndEveryNumberCitesASource) {
  for (const char* id : kCatalog) {
    SCOPED_TRACE(id);
    HardwareProfile p = load_hardware_profile(test::hardware(id));
    EXPECT_EQ(p.id, id);
    EXPECT_EQ(p.provenance, "datasheet");
    auto cited = [&](const std::string& field) {
      auto it = p.sources.find(field);
      EXPECT_TRUE(it != p.sources.end() && !it->second.empty()) << field << " has no source";
    };
    EXPECT_GT(p.main_memory().capacity_bytes, 0);
    for (const auto& m : p.memory) {
      cited("memory." + m.name + ".capacity_bytes");
      cited("memory." + m.name + ".bandwidth");
    }
    for (const auto& [dt, r] : p.compute) cited("compute." + to_string(dt) + ".matrix_flops");
    for (const auto& [name, r] : p.formats) cited("compute." + name + ".matrix_flops");
    for (const auto& ic : p.interconnects) cited("interconnect." + ic.name + ".bandwidth_per_direction");
    EXPECT_GT(p.tdp_watts, 0);
    cited("power.tdp_watts");
    if (p.price.usd_per_hour > 0) cited("price.usd_per_hour");
    if (p.price.purchase_usd > 0) cited("price.purchase_usd");
    if (p.special_ops_per_s > 0) cited("special_ops_per_s");
  }
}

TEST(HardwareCatalog, DatasheetFiguresOfTheH100SxmAreDenseRates) {
  HardwareProfile p = load_hardware_profile(test::hardware("h100-sxm"));
  EXPECT_DOUBLE_EQ(p.rates_for(DType::bf16).matrix_flops, 989.5e12);  // 1979 sparse / 2
  EXPECT_DOUBLE_EQ(p.rates_for_format("fp8").matrix_flops, 1979e12);
  EXPECT_DOUBLE_EQ(p.main_memory().bandwidth, 3.35e12);
  ASSERT_NE(p.scale_up(), nullptr);
  EXPECT_DOUBLE_EQ(p.scale_up()->bandwidth_per_direction, 450e9);  // 900 GB/s both directions
  EXPECT_EQ(p.devices_per_node(), 8);
  ASSERT_NE(p.scale_out(), nullptr);
  EXPECT_DOUBLE_EQ(p.scale_out()->bandwidth_per_direction, 50e9);  // 400 Gb/s
}

TEST(HardwareProfile, FormatsWithoutTheirOwnUnitsRunAtTheNextWiderRate) {
  HardwareProfile a100 = load_hardware_profile(test::hardware("a100-sxm-80gb"));
  EXPECT_DOUBLE_EQ(a100.rates_for_format("fp8").matrix_flops, 312e12);  // no FP8 units: BF16
  EXPECT_DOUBLE_EQ(a100.rates_for_format("fp4").matrix_flops, 312e12);
  HardwareProfile h100 = load_hardware_profile(test::hardware("h100-sxm"));
  EXPECT_DOUBLE_EQ(h100.rates_for_format("fp4").matrix_flops, 1979e12);  // FP4 runs as FP8
  // A format given only a matrix rate does elementwise work at the fp32 vector rate.
  EXPECT_DOUBLE_EQ(h100.rates_for_format("fp8").vector_flops, 67e12);
}

TEST(HardwareProfile, MissingRatesAreAnErrorNotFreeArithmetic) {
  HardwareProfile gaudi = load_hardware_profile(test::hardware("gaudi3"));
  EXPECT_DOUBLE_EQ(gaudi.rates_for(DType::fp32).matrix_flops, 0);  // no fp32 figures published
  Cost work;
  work.flops_matrix = 1e9;
  EXPECT_THROW(predict_roofline(work, DType::fp32, gaudi), Error);
  work.flops_matrix = 0;
  work.bytes_dram = 1e9;  // memory-only work needs no compute rate
  EXPECT_NO_THROW(predict_roofline(work, DType::fp32, gaudi));
  EXPECT_DOUBLE_EQ(gaudi.rates_for(DType::bf16).matrix_flops, 1835e12);
}

TEST(HardwareProfile, TheMinimalFormatStillLoads) {
  auto path = write_temp("minimal.toml",
                         "name = \"tiny\"\nkind = \"cpu\"\n[compute.fp32]\nmatrix_flops = 1e9\n"
                         "[[memory]]\nname = \"DRAM\"\ncapacity_bytes = 1e9\nbandwidth = 1e10\n");
  HardwareProfile p = load_hardware_profile(path);
  EXPECT_EQ(p.id, "moat_model_test_minimal");
  EXPECT_DOUBLE_EQ(p.rates_for(DType::fp32).vector_flops, 1e9);
  EXPECT_TRUE(p.interconnects.empty());
  EXPECT_EQ(p.devices_per_node(), 1);
}

TEST(HardwareProfile, SaveAndLoadKeepEveryField) {
  HardwareProfile p = load_hardware_profile(test::hardware("mi300x"));
  p.launch_latency_s = 5e-6;
  p.calibration.efficiency_by_bound = {{"compute", 0.6}, {"memory", 0.8}};
  p.calibration.efficiency_by_family["moe/topk-softmax"] = {{"compute", 0.4}};
  p.calibration.spread = 0.15;
  p.calibration.fitted_min_s = 1e-5;
  p.calibration.fitted_max_s = 1e-2;
  p.calibration.cases = 12;
  p.calibration.fitted_from = "results/x.json";
  const std::string out = (fs::temp_directory_path() / "moat_model_test_saved.toml").string();
  save_hardware_profile(p, out);
  HardwareProfile q = load_hardware_profile(out);
  EXPECT_EQ(q.name, p.name);
  EXPECT_DOUBLE_EQ(q.rates_for_format("fp8").matrix_flops, 2614.9e12);
  ASSERT_EQ(q.interconnects.size(), 2u);
  EXPECT_EQ(q.scale_up()->topology, "full_mesh");
  EXPECT_EQ(q.scale_up()->gpus_per_domain, 8);
  EXPECT_DOUBLE_EQ(q.scale_up()->bandwidth_per_direction, 448e9);
  EXPECT_DOUBLE_EQ(q.tdp_watts, 750);
  EXPECT_DOUBLE_EQ(q.price.usd_per_hour, 2.0);
  EXPECT_DOUBLE_EQ(q.launch_latency_s, 5e-6);
  EXPECT_EQ(q.sources.at("power.tdp_watts"), p.sources.at("power.tdp_watts"));
  EXPECT_DOUBLE_EQ(q.calibration.efficiency_by_bound.at("memory"), 0.8);
  EXPECT_DOUBLE_EQ(q.calibration.efficiency_by_family.at("moe/topk-softmax").at("compute"), 0.4);
  EXPECT_DOUBLE_EQ(q.calibration.spread, 0.15);
  EXPECT_EQ(q.calibration.cases, 12);
  EXPECT_EQ(q.calibration.fitted_from, "results/x.json");
}

TEST(HardwareProfile, StrictErrorsCarryFileLineColumnAndHint) {
  const std::string head = "[compute.fp32]\nmatrix_flops = 1e9\n[[memory]]\nname = \"D\"\nbandwidth = 1e9\n";
  auto unknown = write_temp("unknown.toml", head + "[power]\ntdp_wats = 300\n");
  std::string e = load_error(unknown);
  EXPECT_NE(e.find(unknown + ":7:1: error: unknown key 'tdp_wats'"), std::string::npos) << e;
  EXPECT_NE(e.find("hint: allowed keys: tdp_watts"), std::string::npos) << e;

  auto wrong_type = write_temp("type.toml", head + "[power]\ntdp_watts = \"700\"\n");
  e = load_error(wrong_type);
  EXPECT_NE(e.find(":7:"), std::string::npos) << e;
  EXPECT_NE(e.find("must be a number"), std::string::npos) << e;

  auto bad_value = write_temp("value.toml", head +
                                                "[[interconnect]]\nname = \"x\"\nscope = \"rack\"\n"
                                                "bandwidth_per_direction = 1e9\n");
  e = load_error(bad_value);
  EXPECT_NE(e.find(":8:9"), std::string::npos) << e;
  EXPECT_NE(e.find("one of: node, cluster"), std::string::npos) << e;

  auto negative = write_temp("negative.toml", head + "[price]\nusd_per_hour = -1\n");
  EXPECT_NE(load_error(negative).find("must not be negative"), std::string::npos);

  auto bad_format = write_temp("format.toml", "[compute.fp7]\nmatrix_flops = 1\n");
  EXPECT_NE(load_error(bad_format).find("unknown number format 'fp7'"), std::string::npos);
}

}  // namespace
}  // namespace moat::model
