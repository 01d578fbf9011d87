#include "bench/ep/ep_layer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>
#include <string>

#include "bench/ep/ep_benchmark.hpp"
#include "bench/ep/loopback_communicator.hpp"
#include "model/hardware_profile.hpp"
#include "model/models/expert_parallel.hpp"

namespace moat::ep {
namespace {

// Odd sizes: a token count that is no multiple of the 32-row tile, hidden and ffn that are no
// multiple of the column blocks.
EpLayerConfig small_config() {
  EpLayerConfig c;
  c.tokens_per_rank = 37;
  c.hidden = 48;
  c.ffn = 72;
  c.experts = 6;
  c.top_k = 2;
  c.seed = 3;
  return c;
}

TEST(EpLayer, OneLoopbackRankEqualsTheSingleGpuLayer) {
  LoopbackCommunicator comm;
  EpLayer layer(small_config(), comm);
  layer.run();
  const CheckReport check = layer.check();
  EXPECT_TRUE(check.ok) << check.detail;
  EXPECT_EQ(check.checked, 37 * 48);
  // Same kernels on the same rows in the same order: the outputs agree to the last bit.
  const std::vector<float> got = layer.output(), want = layer.reference_output();
  ASSERT_EQ(got.size(), want.size());
  double largest = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], want[i]) << "element " << i;
    largest = std::max(largest, double(std::fabs(want[i])));
  }
  EXPECT_GT(largest, 0.0);  // not a trivially zero layer
}

TEST(EpLayer, DispatchAndCombineConserveRows) {
  LoopbackCommunicator comm;
  const EpLayerConfig c = small_config();
  EpLayer layer(c, comm);
  layer.run();
  layer.run();  // a second run reuses every buffer and must move the same rows
  const EpTraffic& t = layer.traffic();
  const std::int64_t assignments = std::int64_t(c.tokens_per_rank) * c.top_k;
  EXPECT_EQ(t.rows_permuted, assignments);
  EXPECT_EQ(t.rows_sent, assignments);
  EXPECT_EQ(t.rows_received, assignments);
  EXPECT_EQ(t.rows_returned, assignments);
  ASSERT_EQ(t.counts.size(), std::size_t(c.experts));
  EXPECT_EQ(std::accumulate(t.counts.begin(), t.counts.end(), std::int64_t(0)), assignments);
  int used = 0;
  for (auto n : t.counts) used += n > 0;
  EXPECT_GT(used, 1);  // the router spreads tokens: the per-expert segments are exercised
  EXPECT_TRUE(layer.check().ok);
}

TEST(EpLayer, TimedRunGivesEveryPhaseATime) {
  LoopbackCommunicator comm;
  EpLayer layer(small_config(), comm);
  PhaseTimes times{};
  times.fill(-1);
  layer.run(&times);
  for (std::size_t p = 0; p < times.size(); ++p) EXPECT_GE(times[p], 0) << ep_phase_names()[p];
  EXPECT_TRUE(layer.check().ok);
  // The bench and the model name the phases alike, in the same order.
  ASSERT_EQ(model::expert_parallel_phases().size(), ep_phase_names().size());
  for (std::size_t p = 0; p < times.size(); ++p)
    EXPECT_EQ(model::expert_parallel_phases()[p], ep_phase_names()[p]);
}

TEST(EpBenchmark, ResultsDocumentHasEveryPhaseWithItsPrediction) {
  LoopbackCommunicator comm;
  const model::HardwareProfile hw =
      model::load_hardware_profile(std::string(MOAT_SOURCE_DIR) + "/model/hardware/epyc-9654.toml");
  EpBenchmarkOptions o;
  o.layer = small_config();
  o.repetitions = 3;
  o.warmup_runs = 1;
  o.hardware = &hw;
  o.hardware_path = "model/hardware/epyc-9654.toml";
  o.command = "moat ep --ranks 1";
  const nlohmann::json doc = run_ep_benchmark(o, comm);
  EXPECT_EQ(doc["schema"], "moat.results");
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["status"], "complete");
  EXPECT_EQ(doc["run"]["expert_parallel"]["communicator"], "loopback");
  EXPECT_EQ(doc["run"]["hardware_profile"]["id"], "epyc-9654");
  const auto& cases = doc["cases"];
  ASSERT_EQ(cases.size(), ep_phase_names().size() + 1);
  const model::ExpertParallelEstimate predicted = predict_ep_layer(o.layer, 1, hw);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const std::string phase = i < ep_phase_names().size() ? ep_phase_names()[i] : "layer";
    EXPECT_EQ(c["variant"], "ep." + phase);
    EXPECT_EQ(c["status"], "ok") << c["reason"];
    EXPECT_TRUE(c["check"]["ok"].get<bool>());
    EXPECT_EQ(c["samples_s"].size(), 3u);
    EXPECT_EQ(c["params"]["ranks"], 1);
    ids.insert(c["id"].get<std::string>());
    const double want = phase == "layer" ? predicted.total_s : predicted.phase(phase).seconds;
    EXPECT_DOUBLE_EQ(c["prediction"]["seconds"].get<double>(), want) << phase;
    EXPECT_EQ(c["prediction"]["hardware"], "epyc-9654");
    if (want > 0) {
      EXPECT_NEAR(c["measured_over_predicted"].get<double>(),
                  c["summary"]["median_s"].get<double>() / want,
                  1e-12 * c["measured_over_predicted"].get<double>());
    }
    EXPECT_DOUBLE_EQ(c["counters"]["load_imbalance"].get<double>(), 1.0);  // one rank has it all
  }
  EXPECT_EQ(ids.size(), cases.size());  // ids are unique, as compare needs
  EXPECT_GT(predicted.phase("expert_ffn").seconds, 0);
}

TEST(EpBenchmark, WithoutAHardwareProfileCasesHaveNoPrediction) {
  LoopbackCommunicator comm;
  EpBenchmarkOptions o;
  o.layer = small_config();
  o.repetitions = 1;
  o.warmup_runs = 0;
  const nlohmann::json doc = run_ep_benchmark(o, comm);
  for (const auto& c : doc["cases"]) {
    EXPECT_TRUE(c["prediction"].is_null());
    EXPECT_TRUE(c["measured_over_predicted"].is_null());
    EXPECT_EQ(c["status"], "ok");
  }
}

}  // namespace
}  // namespace moat::ep
