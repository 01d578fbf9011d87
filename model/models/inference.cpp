#include "model/models/inference.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/cost.hpp"
#include "core/error.hpp"
#include "model/models/attention_work.hpp"
#include "model/models/collectives.hpp"
#include "model/models/parameters.hpp"
#include "model/models/routing.hpp"
#include "model/number_format.hpp"
#include "model/roofline.hpp"
#include "model/uncertainty.hpp"

namespace moat::model {

std::string ParallelPlan::str() const {
  return "tp" + std::to_string(tp) + " ep" + std::to_string(ep) + " pp" + std::to_string(pp) +
         " dp" + std::to_string(dp);
}

namespace {

// Launches per operator: the kernels a typical implementation runs for it.
constexpr double kLaunchesAttentionProjections = 3;  // norm, fused qkv GEMM, output GEMM
constexpr double kLaunchesAttentionCore = 2;         // rotary/cache append, attention
constexpr double kLaunchesDenseFfn = 4;              // norm, gate+up GEMM, activation, down GEMM
constexpr double kLaunchesMoe = 6;  // norm, router GEMM, top-k, permute, 2 grouped GEMMs
constexpr double kLaunchesUnpermute = 1;

std::string expert_format(const Workload& w) {
  return w.expert_weights.empty() ? w.weights : w.expert_weights;
}

// Devices a layer's K/V (or linear state) is split over: heads split tp-way, but never finer than
// one K/V head; the MLA latent is shared by all heads, so each tensor-parallel rank keeps it whole.
double kv_shards(const AttentionBlock& a, int tp) {
  switch (a.kind) {
    case AttentionKind::gqa: return std::min(tp, a.kv_heads);
    case AttentionKind::mla: return 1;
    case AttentionKind::linear: return std::min(tp, a.heads);
  }
  return 1;
}

double ceil_div(double a, double b) { return std::ceil(a / b); }

std::string plan_problem(const ModelPreset& m, const HardwareProfile& hw, const ParallelPlan& p) {
  for (const auto& [name, a] : m.attention)
    if (a.heads % p.tp != 0)
      return "tp " + std::to_string(p.tp) + " does not divide the " + std::to_string(a.heads) +
             " attention heads";
  if (p.pp > m.layer_count()) return "more pipeline stages than layers";
  if (p.ep > 1) {
    if (!m.is_moe()) return "ep > 1 on a model without experts";
    if ((p.tp * p.dp) % p.ep != 0)
      return "ep " + std::to_string(p.ep) + " does not divide the tp*dp = " +
             std::to_string(p.tp * p.dp) + " devices of a stage";
    for (const auto& [name, f] : m.ffn)
      if (f.moe && f.experts % p.ep != 0)
        return "ep " + std::to_string(p.ep) + " does not divide the " + std::to_string(f.experts) +
               " experts";
  }
  if (!link_for_group(hw, p.devices()))
    return std::to_string(p.devices()) + " devices exceed one " + hw.id +
           " scale-up domain and the profile has no scale-out network";
  return {};
}

RoutingDistribution routing_for(const FfnBlock& f, const RoutingSpec& r) {
  return r.distribution == "zipf" ? zipf_routing(f.experts, f.top_k, r.zipf_s)
                                  : uniform_routing(f.experts, f.top_k);
}

class StepBuilder {
 public:
  StepBuilder(const HardwareProfile& hw, InferenceEstimate& out) : hw_(hw), out_(out) {}

  void op(const std::string& kind, const Cost& c, const ComputeRates& rates, double repeat) {
    if (repeat <= 0) return;
    Prediction p = predict_roofline_at(c, rates, hw_);
    out_.breakdown_s[kind] += repeat * p.seconds;
    out_.bound_s[p.bound] += repeat * p.seconds;
    out_.step_s += repeat * p.seconds;
    out_.low_s += repeat * p.low_s;
    out_.high_s += repeat * p.high_s;
  }
  void comm(const std::string& kind, double seconds, double repeat) {
    if (repeat <= 0 || seconds <= 0) return;
    out_.breakdown_s[kind] += repeat * seconds;
    out_.bound_s["communication"] += repeat * seconds;
    out_.step_s += repeat * seconds;
    out_.low_s += repeat * seconds / kUncalibratedLow;
    out_.high_s += repeat * seconds * kUncalibratedHigh;
  }

 private:
  const HardwareProfile& hw_;
  InferenceEstimate& out_;
};

}  // namespace

double weight_bytes_per_device(const ModelPreset& m, const ParallelPlan& plan, const Workload& w) {
  const double wb = bytes_per_element(w.weights), eb = bytes_per_element(expert_format(w));
  double layers = 0;
  for (const auto& g : m.layers) {
    const FfnBlock& f = m.ffn_of(g);
    double per_layer = attention_params(m.attention_of(g), m.hidden).total * wb / plan.tp +
                       2.0 * m.hidden * wb;  // norms, replicated
    if (f.moe) {
      const double routed = f.experts * expert_params(f, m.hidden, f.intermediate);
      const double expert_split = plan.ep > 1 ? plan.tp * plan.dp : plan.tp;
      per_layer += routed * eb / expert_split +
                   (ffn_params(f, m.hidden).total - routed) * wb / plan.tp;
    } else {
      per_layer += ffn_params(f, m.hidden).total * wb / plan.tp;
    }
    layers += g.count * per_layer;
  }
  const ParameterCount c = count_parameters(m);
  const double tables = plan.pp > 1 ? std::max(c.embedding, c.unembedding)
                                    : c.embedding + c.unembedding;
  return layers / plan.pp + tables * wb / plan.tp;
}

double kv_bytes_per_device(const ModelPreset& m, const ParallelPlan& plan, const Workload& w,
                           double batch, double context) {
  const double sequences = ceil_div(batch, plan.dp);
  double elements = 0;
  for (const auto& g : m.layers) {
    const AttentionBlock& a = m.attention_of(g);
    elements += g.count *
                (kv_elements_per_token(a) * attended_tokens(a, context) +
                 state_elements_per_sequence(a)) /
                kv_shards(a, plan.tp);
  }
  return sequences * elements / plan.pp * bytes_per_element(w.kv_cache);
}

InferenceEstimate estimate_inference(const ModelPreset& m, const HardwareProfile& hw,
                                     const ParallelPlan& plan, const Workload& w) {
  if (w.batch < 1 || w.context < 1) throw Error("batch and context must be at least 1");
  if (plan.tp < 1 || plan.ep < 1 || plan.pp < 1 || plan.dp < 1)
    throw Error("parallel degrees must be at least 1 (" + plan.str() + ")");
  if (w.phase != "prefill" && w.phase != "decode")
    throw Error("phase must be \"prefill\" or \"decode\", not \"" + w.phase + "\"");
  InferenceEstimate out;
  out.devices = plan.devices();
  if (std::string why = plan_problem(m, hw, plan); !why.empty()) {
    out.feasible = false;
    out.reason = why;
    return out;
  }

  // Memory: weights and the cache at the end of the step must fit next to the reserve.
  const bool decode = w.phase == "decode";
  const double final_context = decode ? w.context + 1.0 : w.context;
  out.usable_bytes_per_device = hw.main_memory().capacity_bytes * (1 - w.memory_reserve);
  out.weight_bytes_per_device = weight_bytes_per_device(m, plan, w);
  out.kv_bytes_per_device = kv_bytes_per_device(m, plan, w, w.batch, final_context);
  const double kv_one = kv_bytes_per_device(m, plan, w, plan.dp, final_context);  // one per replica
  const double free = out.usable_bytes_per_device - out.weight_bytes_per_device;
  out.max_batch = kv_one > 0 ? std::max(0.0, std::floor(free / kv_one)) * plan.dp : 0;
  if (out.weight_bytes_per_device + out.kv_bytes_per_device > out.usable_bytes_per_device) {
    out.feasible = false;
    char why[256];
    std::snprintf(why, sizeof why,
                  "needs %.1f GB per device (weights %.1f + KV cache %.1f), has %.1f usable",
                  (out.weight_bytes_per_device + out.kv_bytes_per_device) * 1e-9,
                  out.weight_bytes_per_device * 1e-9, out.kv_bytes_per_device * 1e-9,
                  out.usable_bytes_per_device * 1e-9);
    out.reason = why;
    return out;
  }

  const double wb = bytes_per_element(w.weights), eb = bytes_per_element(expert_format(w));
  const double kb = bytes_per_element(w.kv_cache), ab = bytes_per_element(w.activations);
  const ComputeRates dense_rates = hw.rates_for_format(w.weights);
  const ComputeRates expert_rates = hw.rates_for_format(expert_format(w));
  const ComputeRates act_rates = hw.rates_for_format(w.activations);
  const double sequences = ceil_div(w.batch, plan.dp);  // per replica
  const double tokens = decode ? sequences : sequences * w.context;
  const double hidden = m.hidden;
  const double tp = plan.tp;
  const Link tp_link = *link_for_group(hw, plan.tp);
  const Link stage_link = *link_for_group(hw, plan.tp * plan.dp);
  const Link pp_link = *link_for_group(hw, plan.devices());
  StepBuilder step(hw, out);

  for (const auto& g : m.layers) {
    const AttentionBlock& a = m.attention_of(g);
    const FfnBlock& f = m.ffn_of(g);
    const BlockParams ap = attention_params(a, m.hidden);

    Cost proj;
    proj.flops_matrix = 2 * tokens * ap.active / tp;
    proj.bytes_dram = ap.total * wb / tp + 2 * tokens * hidden * ab;
    proj.launches = kLaunchesAttentionProjections;
    step.op("attention_projections", proj, dense_rates, g.count);

    Cost core;
    const double shards = kv_shards(a, plan.tp);
    const double kv_token = kv_elements_per_token(a) * kb / shards;
    const double state = state_elements_per_sequence(a) * kb / shards;
    if (decode) {
      const double keys = attended_tokens(a, final_context);
      core.flops_matrix = sequences * attention_flops_per_query(a, keys, AttentionMode::decode) / tp;
      core.special_ops = sequences * attention_exps_per_query(a, keys) / tp;
      core.bytes_dram = sequences * (kv_token * keys + 2 * state);  // read cache; state in and out
    } else {
      const bool linear = a.kind == AttentionKind::linear;
      const double keys_sum = causal_keys_sum(a, w.context);
      core.flops_matrix =
          sequences *
          (linear ? w.context * attention_flops_per_query(a, 0, AttentionMode::prefill)
                  : attention_flops_per_query(a, keys_sum, AttentionMode::prefill)) /
          tp;
      core.special_ops = sequences * attention_exps_per_query(a, keys_sum) / tp;
      core.bytes_dram = tokens * kv_token + sequences * state;  // write the cache once
    }
    core.launches = kLaunchesAttentionCore;
    step.op("attention_core", core, act_rates, g.count);
    step.comm("tp_allreduce", ring_allreduce_s(tokens * hidden * ab, plan.tp, tp_link), g.count);

    if (!f.moe) {
      const double params = ffn_params(f, m.hidden).total;
      Cost ffn;
      ffn.flops_matrix = 2 * tokens * params / tp;
      ffn.bytes_dram = params * wb / tp + 2 * tokens * hidden * ab;
      ffn.launches = kLaunchesDenseFfn;
      step.op("ffn", ffn, dense_rates, g.count);
      step.comm("tp_allreduce", ring_allreduce_s(tokens * hidden * ab, plan.tp, tp_link), g.count);
      continue;
    }
    // Routed experts: tokens of all replicas meet on the expert-parallel ranks when ep > 1.
    const RoutingDistribution routing = routing_for(f, w.routing);
    const double expert = expert_params(f, m.hidden, f.intermediate);
    const double group_tokens = plan.ep > 1 ? tokens * plan.dp : tokens;
    const double group_devices = plan.ep > 1 ? plan.tp * plan.dp : plan.tp;
    const double split = group_devices / plan.ep;  // devices sharing one expert's weights
    const auto t = static_cast<long long>(group_tokens);
    const double unique = expected_unique_experts(routing, group_tokens);
    const double busiest_rank = plan.ep > 1 ? expected_max_rank_load(routing, t, plan.ep)
                                            : group_tokens * f.top_k;
    Cost experts;
    experts.flops_matrix = 2 * expert * busiest_rank / split;
    experts.bytes_dram = unique / plan.ep * expert * eb / split +
                         2 * busiest_rank / split * hidden * ab;
    experts.launches = kLaunchesMoe;
    step.op("routed_experts", experts, expert_rates, g.count);
    if (plan.ep > 1)
      out.moe_rank_imbalance = std::max(out.moe_rank_imbalance, rank_imbalance(routing, t, plan.ep));

    const double rest = ffn_params(f, m.hidden).total - f.experts * expert;  // shared + router
    Cost shared;
    shared.flops_matrix = 2 * tokens * rest / tp;
    shared.bytes_dram = rest * wb / tp + 2 * tokens * hidden * ab;
    shared.launches = kLaunchesUnpermute + (f.shared_experts > 0 ? kLaunchesDenseFfn : 0);
    step.op("shared_experts_router", shared, dense_rates, g.count);
    if (plan.ep > 1) {
      // Each device sends its tokens' hidden states to the ranks of their top-k experts and back.
      const double payload = tokens / tp * f.top_k * hidden * ab;
      step.comm("ep_all_to_all", 2 * all_to_all_s(payload, plan.ep, stage_link), g.count);
    }
    step.comm("tp_allreduce", ring_allreduce_s(tokens * hidden * ab, plan.tp, tp_link), g.count);
  }

  Cost head;  // logits for the last position of each sequence
  head.flops_matrix = 2 * sequences * double(m.vocab_size) * hidden / tp;
  head.bytes_dram = double(m.vocab_size) * hidden * wb / tp;
  head.launches = 2;  // final norm, GEMM
  step.op("output_head", head, dense_rates, 1);
  step.comm("pp_transfer", point_to_point_s(tokens * hidden * ab, pp_link), plan.pp - 1);

  out.tokens_per_s = (decode ? w.batch : double(w.batch) * w.context) / out.step_s;
  double largest = -1;
  for (const auto& [bound, s] : out.bound_s)
    if (s > largest) largest = s, out.bound = bound;
  return out;
}

}  // namespace moat::model
