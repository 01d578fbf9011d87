#include <gtest/gtest.h>

#include <cmath>

#include "model/models/inference.hpp"
#include "model/models/model_totals.hpp"
#include "model/models/parameters.hpp"
#include "test_paths.hpp"

namespace moat::model {
namespace {

ModelPreset preset(const std::string& id) { return load_model_preset(test::preset(id)); }
HardwareProfile hardware(const std::string& id) { return load_hardware_profile(test::hardware(id)); }

Workload decode(int batch, int context) {
  Workload w;
  w.phase = "decode";
  w.batch = batch;
  w.context = context;
  return w;
}

TEST(Inference, SmallBatchDecodeReadsEveryWeightOnce) {
  ModelPreset m = preset("llama-3.1-8b");
  HardwareProfile h100 = hardware("h100-sxm");
  InferenceEstimate e = estimate_inference(m, h100, {}, decode(1, 16));
  ASSERT_TRUE(e.feasible) << e.reason;
  const double weights = count_parameters(m).total() * 2;  // bf16
  // Memory-bound: the step is the weights over HBM bandwidth (the input table is a lookup, so
  // the bound is between weights without it and all weights).
  const double table = count_parameters(m).embedding * 2;
  EXPECT_EQ(e.bound, "memory");
  EXPECT_GT(e.step_s, (weights - table) / 3.35e12);
  EXPECT_LT(e.step_s, weights / 3.35e12 * 1.01);
  EXPECT_NEAR(e.weight_bytes_per_device, weights - 2.0 * 4096, 1);  // all but the final norm
  EXPECT_NEAR(e.tokens_per_s, 1 / e.step_s, 1e-9);
  EXPECT_LT(e.low_s, e.step_s);
  EXPECT_GT(e.high_s, e.step_s);
}

TEST(Inference, DecodeThroughputGrowsWithBatchWhileMemoryBound) {
  ModelPreset m = preset("llama-3.1-8b");
  HardwareProfile h100 = hardware("h100-sxm");
  InferenceEstimate one = estimate_inference(m, h100, {}, decode(1, 1024));
  InferenceEstimate many = estimate_inference(m, h100, {}, decode(64, 1024));
  EXPECT_GT(many.tokens_per_s / one.tokens_per_s, 20);
  EXPECT_LT(many.tokens_per_s / one.tokens_per_s, 64);  // the KV cache grows with the batch
}

TEST(Inference, LongPrefillIsComputeBound) {
  ModelPreset m = preset("llama-3.1-70b");
  HardwareProfile h100 = hardware("h100-sxm");
  Workload w;
  w.phase = "prefill";
  w.batch = 1;
  w.context = 4096;
  ParallelPlan tp8{8, 1, 1, 1};
  InferenceEstimate e = estimate_inference(m, h100, tp8, w);
  ASSERT_TRUE(e.feasible) << e.reason;
  const ParameterCount c = count_parameters(m);
  // Weights: 2 FLOPs per weight per prompt token; attention: causal sum of keys; one logit row.
  const double flops = 2 * (c.total() - c.embedding - c.unembedding) * 4096 +
                       80 * 2.0 * 64 * 128 * 2 * (4096.0 * 4097 / 2) + 2 * c.unembedding;
  const double ideal = flops / (8 * 989.5e12);
  EXPECT_EQ(e.bound, "compute");
  // Two ring all-reduces of the 4096 x 8192 BF16 activations per layer over NVLink, not
  // overlapped with compute: 2(n-1)/n x bytes / 450 GB/s + 2(n-1) x 1.5 us each.
  const double allreduce = 2 * 80 * (2.0 * 7 / 8 * 4096 * 8192 * 2 / 450e9 + 14 * 1.5e-6);
  EXPECT_NEAR(e.breakdown_s.at("tp_allreduce"), allreduce, 1e-12);
  const double arithmetic = e.step_s - allreduce;
  EXPECT_GT(arithmetic, ideal);
  EXPECT_LT(arithmetic, ideal * 1.05);  // + activation traffic of memory-bound corners
  EXPECT_NEAR(e.tokens_per_s, 4096 / e.step_s, 1e-6);
}

TEST(Inference, MemoryFeasibilityNamesTheShortfall) {
  HardwareProfile h100 = hardware("h100-sxm");
  InferenceEstimate e = estimate_inference(preset("mixtral-8x7b"), h100, {}, decode(1, 1));
  EXPECT_FALSE(e.feasible);
  EXPECT_NE(e.reason.find("needs 93."), std::string::npos) << e.reason;  // 46.7B x 2 bytes
  EXPECT_TRUE(estimate_inference(preset("mixtral-8x7b"), h100, {2, 1, 1, 1}, decode(1, 1)).feasible);
  // KV capacity: the batch that fits is (usable - weights) / per-sequence cache.
  ModelPreset m = preset("llama-3.1-8b");
  InferenceEstimate cap = estimate_inference(m, h100, {}, decode(1, 8191));
  const double per_sequence = kv_bytes_per_sequence(m, 8192, 2);
  EXPECT_DOUBLE_EQ(cap.max_batch, std::floor((80e9 - cap.weight_bytes_per_device) / per_sequence));
  EXPECT_FALSE(estimate_inference(m, h100, {}, decode(int(cap.max_batch) + 1, 8191)).feasible);
  EXPECT_TRUE(estimate_inference(m, h100, {}, decode(int(cap.max_batch), 8191)).feasible);
}

TEST(Inference, TensorParallelismReplicatesTheMlaLatent) {
  ModelPreset ds = preset("deepseek-v3");
  Workload w = decode(64, 4096);
  w.weights = "fp8";
  const double tp8 = kv_bytes_per_device(ds, {8, 8, 1, 1}, w, 64, 4097);
  const double dp8 = kv_bytes_per_device(ds, {1, 8, 1, 8}, w, 64, 4097);
  EXPECT_DOUBLE_EQ(tp8, 8 * dp8);
  EXPECT_DOUBLE_EQ(dp8, 8 * 4097 * 576.0 * 61 * 2);  // 8 sequences per device
  // GQA heads split over tensor ranks, but never below one KV head per rank.
  ModelPreset q = preset("qwen3-235b-a22b");  // 4 KV heads
  EXPECT_DOUBLE_EQ(kv_bytes_per_device(q, {4, 1, 1, 1}, w, 1, 100),
                   kv_bytes_per_device(q, {8, 1, 1, 1}, w, 1, 100));
}

TEST(Inference, ExpertParallelDecodePaysAllToAllAndImbalance) {
  ModelPreset ds = preset("deepseek-v3");
  HardwareProfile h200 = hardware("h200");
  Workload w = decode(256, 4096);
  w.weights = "fp8";
  w.memory_reserve = 0.1;
  InferenceEstimate e = estimate_inference(ds, h200, {1, 8, 1, 8}, w);
  ASSERT_TRUE(e.feasible) << e.reason;
  EXPECT_GT(e.breakdown_s.at("ep_all_to_all"), 0);
  EXPECT_EQ(e.breakdown_s.count("tp_allreduce"), 0u);
  EXPECT_GT(e.moe_rank_imbalance, 1.0);
  Workload skewed = w;
  skewed.routing = {"zipf", 1.2};
  InferenceEstimate z = estimate_inference(ds, h200, {1, 8, 1, 8}, skewed);
  EXPECT_GT(z.moe_rank_imbalance, e.moe_rank_imbalance);
  EXPECT_GT(z.breakdown_s.at("routed_experts"), 0);
  // Tensor parallelism over 8 keeps 8 copies of the latent cache: it no longer fits.
  InferenceEstimate tp = estimate_inference(ds, h200, {8, 8, 1, 1}, w);
  EXPECT_FALSE(tp.feasible);
}

TEST(Inference, PlansTheModelOrMachineCannotRunAreInfeasible) {
  ModelPreset m = preset("llama-3.1-8b");
  EXPECT_NE(estimate_inference(m, hardware("h100-sxm"), {3, 1, 1, 1}, decode(1, 1)).reason.find("does not divide"),
            std::string::npos);
  EXPECT_NE(estimate_inference(m, hardware("l40s"), {16, 1, 1, 1}, decode(1, 1)).reason.find("scale-out"),
            std::string::npos);
  EXPECT_FALSE(estimate_inference(m, hardware("h100-sxm"), {1, 2, 1, 1}, decode(1, 1)).feasible);
  // Across two nodes the tensor-parallel all-reduce runs on InfiniBand: slower than within one.
  ModelPreset big = preset("llama-3.1-405b");
  Workload w = decode(8, 1024);
  InferenceEstimate one_node = estimate_inference(big, hardware("h200"), {8, 1, 1, 1}, w);
  InferenceEstimate two_nodes = estimate_inference(big, hardware("h200"), {16, 1, 1, 1}, w);
  ASSERT_TRUE(one_node.feasible && two_nodes.feasible);
  EXPECT_GT(two_nodes.breakdown_s.at("tp_allreduce"), one_node.breakdown_s.at("tp_allreduce"));
  InferenceEstimate pipelined = estimate_inference(big, hardware("h200"), {8, 1, 2, 1}, w);
  EXPECT_GT(pipelined.breakdown_s.at("pp_transfer"), 0);
}

}  // namespace
}  // namespace moat::model
