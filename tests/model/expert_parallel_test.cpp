#include "model/models/expert_parallel.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "model/models/expert_parallel_scenario.hpp"
#include "test_paths.hpp"

namespace moat::model {
namespace {

namespace fs = std::filesystem;

// Round numbers so every phase can be worked out by hand: 1 TB/s memory, bf16 at 1 PFLOP/s
// (matrix) and 100 TFLOP/s (vector), 10 T special ops/s, no launch latency; 100 GB/s scale-up
// (8 per node, 1 us) and 10 GB/s scale-out (5 us).
HardwareProfile round_profile() {
  HardwareProfile hw;
  hw.id = "round";
  hw.compute[DType::bf16] = {1e15, 1e14};
  hw.special_ops_per_s = 1e13;
  hw.memory.push_back({"HBM", 80e9, 1e12});
  hw.interconnects.push_back({"up", "node", "switch", 1e11, 1e-6, 8});
  hw.interconnects.push_back({"out", "cluster", "switch", 1e10, 5e-6, 1});
  return hw;
}

// H = 1024, F = 512, E = 8, k = 2, T = 16 tokens per rank, all bf16 (2 bytes).
ExpertParallelLayer small_layer() {
  ExpertParallelLayer l;
  l.hidden = 1024;
  l.expert_ffn = 512;
  l.experts = 8;
  l.top_k = 2;
  l.tokens_per_rank = 16;
  return l;
}

TEST(ExpertParallel, PhasesByHandWithEveryTokenOnOneRank) {
  // Every token picks experts 0 and 1, both on rank 0 of 2: rank 0 receives all 2 x 16 x 2 = 64
  // rows (twice the mean of 32). The model charges the weights of the mean touched experts per
  // rank: 2 experts touched in all, 1 per rank.
  ExpertParallelLayer l = small_layer();
  l.routing = {{1, 1, 0, 0, 0, 0, 0, 0}, 2};
  const ExpertParallelEstimate e = estimate_expert_parallel(l, round_profile(), {1, 2});
  EXPECT_EQ(e.ranks, 2);
  EXPECT_EQ(e.link.name, "up");
  EXPECT_DOUBLE_EQ(e.local_experts, 4);
  EXPECT_DOUBLE_EQ(e.mean_rank_rows, 32);
  EXPECT_DOUBLE_EQ(e.busiest_rank_rows, 64);
  EXPECT_DOUBLE_EQ(e.imbalance, 2);
  EXPECT_DOUBLE_EQ(e.touched_local_experts, 1);
  EXPECT_DOUBLE_EQ(e.expert_weight_bytes_per_rank, 4 * 3 * 1024 * 512 * 2.0);

  // router: bytes (16 x 1024 + 1024 x 8) x 2 + 16 x 2 x 8 = 49408 at 1 TB/s; its 2.6e5 FLOPs take
  // 0.27 ns, so it is memory bound.
  EXPECT_DOUBLE_EQ(e.phase("router").seconds, 49408 / 1e12);
  EXPECT_EQ(e.phase("router").bound, "memory");
  // permute: 32 slots x (1024 x 2 read + 1024 x 2 written + 16) = 131584 bytes.
  EXPECT_DOUBLE_EQ(e.phase("permute").seconds, 131584 / 1e12);
  // count exchange: all-gather of 8 x 4 bytes = all-to-all of 64 bytes: 1/2 x 64 / 1e11 + 1 us,
  // plus the rank's own 32 bytes copied (64 bytes read + written).
  EXPECT_DOUBLE_EQ(e.phase("count_exchange").seconds, 0.5 * 64 / 1e11 + 1e-6 + 64 / 1e12);
  EXPECT_EQ(e.phase("count_exchange").bound, "communication");
  // dispatch: the busiest rank holds 64 rows x 1024 x 2 = 131072 bytes: half crosses the link,
  // half is its own (131072 bytes read + written).
  const double a2a = 0.5 * 131072 / 1e11 + 1e-6 + 131072 / 1e12;
  EXPECT_DOUBLE_EQ(e.phase("dispatch").seconds, a2a);
  EXPECT_DOUBLE_EQ(e.phase("dispatch").network_bytes, 131072);
  EXPECT_DOUBLE_EQ(e.phase("dispatch").network_s, 0.5 * 131072 / 1e11 + 1e-6);
  EXPECT_DOUBLE_EQ(e.phase("combine").seconds, a2a);
  // expert FFN of the busiest rank: 64 rows; weights of 1 touched expert (3 x 1024 x 512 x 2) +
  // rows in/out (64 x (2 x 1024 + 2 x 512) x 2) = 3538944 bytes; 2 x 64 x 1024 x 512 x 3 FLOPs
  // take 0.2 us, so memory bound.
  EXPECT_DOUBLE_EQ(e.phase("expert_ffn").seconds, 3538944 / 1e12);
  EXPECT_DOUBLE_EQ(e.phase("expert_ffn").work.flops_matrix, 2.0 * 64 * 1024 * 512 * 3);
  EXPECT_DOUBLE_EQ(e.phase("expert_ffn").work.bytes_dram, 3538944);
  EXPECT_EQ(e.phase("expert_ffn").bound, "memory");
  // unpermute: 32 slots x (1024 x 2 + 8) read + 16 x 1024 x 2 written = 98560 bytes.
  EXPECT_DOUBLE_EQ(e.phase("unpermute").seconds, 98560 / 1e12);

  double sum = 0;
  for (const auto& name : expert_parallel_phases()) sum += e.phase(name).seconds;
  EXPECT_DOUBLE_EQ(e.total_s, sum);
  EXPECT_EQ(e.phases.size(), expert_parallel_phases().size());
  EXPECT_LT(e.low_s, e.total_s);
  EXPECT_GT(e.high_s, e.total_s);
}

TEST(ExpertParallel, OneRankHasNoNetworkOnlyTheLocalCopy) {
  const ExpertParallelEstimate e = estimate_expert_parallel(small_layer(), round_profile(), {1, 1});
  EXPECT_DOUBLE_EQ(e.busiest_rank_rows, 32);  // all T k rows stay home
  EXPECT_DOUBLE_EQ(e.imbalance, 1);
  // 32 rows x 1024 x 2 bytes read + written, no latency term.
  EXPECT_DOUBLE_EQ(e.phase("dispatch").seconds, 2 * 32 * 1024 * 2 / 1e12);
  EXPECT_DOUBLE_EQ(e.phase("count_exchange").seconds, 2 * 8 * 4 / 1e12);
}

TEST(ExpertParallel, RanksOnSeveralNodesUseTheScaleOutNetwork) {
  const HardwareProfile hw = round_profile();
  EXPECT_EQ(expert_parallel_link(hw, {1, 8}).name, "up");
  // 2 nodes x 2 GPUs: only 4 ranks, but they meet over the scale-out network.
  const Link across = expert_parallel_link(hw, {2, 2});
  EXPECT_EQ(across.name, "out");
  EXPECT_DOUBLE_EQ(across.bandwidth, 1e10);
  EXPECT_DOUBLE_EQ(across.latency_s, 5e-6);
  EXPECT_THROW(expert_parallel_link(hw, {1, 16}), Error);  // a node has 8
  HardwareProfile single_node = hw;
  single_node.interconnects.pop_back();
  EXPECT_THROW(expert_parallel_link(single_node, {2, 8}), Error);
  EXPECT_THROW(estimate_expert_parallel(small_layer(), hw, {1, 3}), Error);  // 3 does not divide 8
}

TEST(ExpertParallel, UniformRoutingImbalanceComesFromTheRoutingModel) {
  // DeepSeek-V3's layer on 4 nodes x 8 H100: 128 tokens per rank, uniform top-8 of 256.
  ExpertParallelLayer l;
  l.hidden = 7168;
  l.expert_ffn = 2048;
  l.experts = 256;
  l.top_k = 8;
  l.tokens_per_rank = 128;
  l.dispatch_format = "fp8";
  l.expert_weights = "fp8";
  const HardwareProfile h100 = load_hardware_profile(test::hardware("h100-sxm"));
  const ExpertParallelEstimate e = estimate_expert_parallel(l, h100, {4, 8});
  const double L = expected_max_rank_load(uniform_routing(256, 8), 128 * 32, 32);
  EXPECT_DOUBLE_EQ(e.busiest_rank_rows, L);
  EXPECT_GT(e.imbalance, 1.0);
  EXPECT_LT(e.imbalance, 1.2);  // 1024 rows per rank on average: a few standard deviations above
  EXPECT_DOUBLE_EQ(e.link.bandwidth, 50e9);
  // FP8 rows (1 byte) over InfiniBand: 31/32 of L x 7168 bytes + 31 hops of 4 us, plus the
  // rank's own 1/32 copied through 3.35 TB/s HBM.
  const double bytes = L * 7168;
  EXPECT_DOUBLE_EQ(e.phase("dispatch").seconds,
                   31.0 / 32 * bytes / 50e9 + 31 * 4e-6 + 2 * bytes / 32 / 3.35e12);
  // BF16 outputs back: twice the payload.
  EXPECT_GT(e.phase("combine").seconds, 1.9 * e.phase("dispatch").seconds - 31 * 4e-6);
  // 8 local experts, all touched by 32768 draws.
  EXPECT_NEAR(e.touched_local_experts, 8, 1e-9);
}

TEST(ExpertParallelScenario, RepositoryScenarioPredictsEveryDeployment) {
  const std::string path = test::repo("scenarios/ep-deepseek-v3-decode.toml");
  ASSERT_TRUE(is_expert_parallel_scenario(path));
  EXPECT_FALSE(
      is_expert_parallel_scenario(test::repo("scenarios/procurement-deepseek-v3-decode.toml")));
  const ExpertParallelScenario sc = load_expert_parallel_scenario(path);
  EXPECT_EQ(sc.moe_layers, 58);
  EXPECT_EQ(sc.layer.experts, 256);
  EXPECT_EQ(sc.layer.dispatch_format, "fp8");
  ASSERT_EQ(sc.deployments.size(), 6u);
  const auto results = run_expert_parallel(sc);
  std::map<std::string, const EpDeploymentResult*> by_label;
  for (const auto& r : results) by_label[r.deployment.label] = &r;
  ASSERT_TRUE(by_label.count("2x h100-sxm") && by_label.count("8x h200") &&
              by_label.count("32x h100-sxm (4 nodes x 8)"));
  // Routed experts: 58 layers x 256 x 3 x 7168 x 2048 FP8 bytes = 654 GB, split over the ranks;
  // every rank also holds the other ~17 GB.
  const double routed = 58.0 * 256 * 3 * 7168 * 2048;
  EXPECT_DOUBLE_EQ(by_label["8x h200"]->expert_bytes_per_rank, routed / 8);
  EXPECT_FALSE(by_label["2x h100-sxm"]->weights_fit);
  EXPECT_FALSE(by_label["8x h100-sxm"]->weights_fit);  // 82 + 17 GB > 80 GB
  EXPECT_TRUE(by_label["8x h200"]->weights_fit);
  EXPECT_TRUE(by_label["32x h100-sxm (4 nodes x 8)"]->weights_fit);
  for (const auto& r : results) EXPECT_DOUBLE_EQ(r.step_s, 58 * r.layer.total_s);
  // Crossing nodes costs: 32 ranks on InfiniBand dispatch slower than 8 on NVLink.
  EXPECT_GT(by_label["32x h100-sxm (4 nodes x 8)"]->layer.phase("dispatch").seconds,
            by_label["8x h100-sxm"]->layer.phase("dispatch").seconds);

  std::ostringstream table;
  print_expert_parallel(sc, results, table);
  EXPECT_NE(table.str().find("32x h200 (4 nodes x 8)"), std::string::npos);
  EXPECT_NE(table.str().find("dispatch"), std::string::npos);
  const nlohmann::json j = expert_parallel_to_json(sc, results);
  EXPECT_EQ(j["schema"], kExpertParallelSchema);
  ASSERT_EQ(j["deployments"].size(), 6u);
  const auto& phases = j["deployments"][0]["phases"];
  ASSERT_EQ(phases.size(), expert_parallel_phases().size());
  for (std::size_t i = 0; i < phases.size(); ++i)
    EXPECT_EQ(phases[i]["name"], expert_parallel_phases()[i]);
}

std::string write_temp(const std::string& name, const std::string& text) {
  fs::path p = fs::temp_directory_path() / ("moat_ep_test_" + name);
  std::ofstream(p) << text;
  return p.string();
}

std::string load_error(const std::string& text) {
  try {
    load_expert_parallel_scenario(write_temp("bad.toml", text));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ExpertParallelScenario, MistakesNameFileLineAndColumn) {
  const std::string head = "kind = \"model\"\n[model]\npreset = \"" + test::preset("deepseek-v3") +
                           "\"\n[expert_parallel]\ntokens_per_rank = 8\n";
  const std::string h100 = "hardware = \"" + test::hardware("h100-sxm") + "\"\n";
  std::string err = load_error(head + "[[deployment]]\n" + h100 + "gpus_per_node = 3\n");
  EXPECT_NE(err.find("bad.toml:8:"), std::string::npos) << err;
  EXPECT_NE(err.find("do not divide the 256"), std::string::npos) << err;
  err = load_error(head + "[[deployment]]\n" + h100 + "gpus = 8\n");
  EXPECT_NE(err.find("unknown key 'gpus'"), std::string::npos) << err;
  err = load_error(head + "dispatch = \"fp6\"\n[[deployment]]\n" + h100 + "gpus_per_node = 8\n");
  EXPECT_NE(err.find("bad.toml:6:"), std::string::npos) << err;
  err = load_error(head + "[[deployment]]\nhardware = \"" + test::hardware("l40s") +
                   "\"\nnodes = 2\ngpus_per_node = 8\n");
  EXPECT_NE(err.find("nodes"), std::string::npos) << err;
  err = load_error("kind = \"model\"\n[model]\npreset = \"" + test::preset("llama-3.1-8b") +
                   "\"\n[expert_parallel]\ntokens_per_rank = 8\n[[deployment]]\n" + h100 +
                   "gpus_per_node = 8\n");
  EXPECT_NE(err.find("no routed experts"), std::string::npos) << err;
}

}  // namespace
}  // namespace moat::model
