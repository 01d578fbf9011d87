#pragma once
// Time of one inference step of a whole model on N devices under a parallel plan: prefill (time to
// first token for a batch of prompts) or decode (time per output token for a batch of sequences).
//
// Each operator of each layer (attention projections, attention core, FFN or routed experts +
// shared experts, output head) is a roofline prediction on one device of the profile, with the
// work that device does; the collectives the plan needs (tensor-parallel all-reduce, expert-
// parallel all-to-all, pipeline transfers) add their alpha-beta time. Communication is not
// overlapped with compute (an upper bound on its cost). Layers run one after the other; with
// pipeline parallelism a step passes every stage once, so latency adds over stages and one batch
// is in flight (no micro-batching).
//
// Plan: tp-way tensor parallelism for attention, dense FFNs and shared experts; dp replicas of
// that, each serving batch/dp sequences; routed experts split over ep ranks spanning the tp*dp
// devices of a stage (ep = 1: each expert split tp-way inside a replica); pp pipeline stages.
#include <map>
#include <string>

#include "model/hardware_profile.hpp"
#include "model/models/model_preset.hpp"

namespace moat::model {

struct ParallelPlan {
  int tp = 1;
  int ep = 1;
  int pp = 1;
  int dp = 1;
  int devices() const { return tp * pp * dp; }
  std::string str() const;  // "tp8 ep8 pp1 dp1"
};

struct RoutingSpec {
  std::string distribution = "uniform";  // "uniform" | "zipf"
  double zipf_s = 1.0;
};

struct Workload {
  std::string phase = "decode";  // "prefill" | "decode"
  int batch = 1;                 // sequences (prompts) in flight over all replicas
  int context = 1;               // decode: tokens in the cache; prefill: prompt length
  std::string weights = "bf16";  // format of dense weights and the GEMMs that use them
  std::string expert_weights;    // routed experts' format (empty: same as weights)
  std::string kv_cache = "bf16";
  std::string activations = "bf16";
  RoutingSpec routing;
  double memory_reserve = 0;  // fraction of device memory kept for activations and the runtime
};

struct InferenceEstimate {
  bool feasible = true;
  std::string reason;  // why not, when infeasible
  int devices = 0;
  double weight_bytes_per_device = 0;
  double kv_bytes_per_device = 0;
  double usable_bytes_per_device = 0;  // capacity after the reserve
  double max_batch = 0;                // sequences at this context that fit next to the weights
  double step_s = 0;                   // prefill: time to first token; decode: time per token
  double low_s = 0;                    // uncertainty band of step_s
  double high_s = 0;
  double tokens_per_s = 0;  // prefill: prompt tokens/s; decode: generated tokens/s (all sequences)
  double moe_rank_imbalance = 1;  // busiest expert-parallel rank's load over the mean
  std::string bound;        // largest share of step_s: compute | memory | communication | latency
  std::map<std::string, double> breakdown_s;  // per operator kind and collective
  std::map<std::string, double> bound_s;      // step time split by what bounds it
};

// Throws nothing for plans the model or machine cannot run: those come back infeasible with the
// reason. Throws moat::Error for malformed input (non-positive batch, unknown formats).
InferenceEstimate estimate_inference(const ModelPreset& m, const HardwareProfile& hw,
                                     const ParallelPlan& plan, const Workload& w);

// Bytes of weights one device holds under the plan (the largest pipeline stage).
double weight_bytes_per_device(const ModelPreset& m, const ParallelPlan& plan, const Workload& w);
// K/V-cache bytes one device holds for `batch` sequences of `context` tokens.
double kv_bytes_per_device(const ModelPreset& m, const ParallelPlan& plan, const Workload& w,
                           double batch, double context);

}  // namespace moat::model
