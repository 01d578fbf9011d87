#include "model/models/expert_parallel.hpp"

#include <algorithm>

#include "core/cost.hpp"
#include "core/error.hpp"
#include "model/number_format.hpp"
#include "model/roofline.hpp"
#include "model/uncertainty.hpp"

namespace moat::model {

namespace {

// Kernels each local step launches in bench/ep/ep_layer.cpp (kernels/moe/common/*.hpp).
constexpr double kLaunchesRouter = 2;     // router GEMM, top-k selection
constexpr double kLaunchesPermute = 4;    // count, offsets scan, placement, row gather
constexpr double kLaunchesExpertFfn = 2;  // grouped up (+gate) GEMM, grouped down GEMM
constexpr double kLaunchesUnpermute = 1;  // weighted sum of each token's slots
constexpr double kLaunchesLocalCopy = 1;  // the self-addressed share of an all-to-all
// Bytes per (token, slot) of routing metadata: expert index + weight, then permuted position.
constexpr double kRoutingBytesPerSlot = 8;
constexpr double kPermuteBytesPerSlot = 16;
constexpr double kCountBytes = 4;  // one int32 row count per expert

PhaseEstimate from_roofline(const std::string& name, const Cost& c, const ComputeRates& rates,
                            const HardwareProfile& hw, const PredictOptions& options = {}) {
  const Prediction p = predict_roofline_at(c, rates, hw, options);
  return {name, p.seconds, p.low_s, p.high_s, p.bound, c, 0, 0};
}

// An all-to-all in which the busiest rank holds `bytes_per_rank` for all ranks: the network part
// (alpha-beta over `link`) plus the rank's own share, copied in device memory.
PhaseEstimate all_to_all_phase(const std::string& name, double bytes_per_rank, int ranks,
                               const Link& link, const HardwareProfile& hw) {
  const double network_s = all_to_all_s(bytes_per_rank, ranks, link);
  Cost self;
  self.bytes_dram = 2 * bytes_per_rank / ranks;  // read + write
  self.launches = kLaunchesLocalCopy;
  const Prediction copy = predict_roofline_at(self, ComputeRates{}, hw);
  PhaseEstimate p{name,
                  network_s + copy.seconds,
                  network_s / kUncalibratedLow + copy.low_s,
                  network_s * kUncalibratedHigh + copy.high_s,
                  network_s >= copy.seconds ? "communication" : copy.bound,
                  self,
                  bytes_per_rank,
                  network_s};
  return p;
}

}  // namespace

const std::vector<std::string>& expert_parallel_phases() {
  static const std::vector<std::string> names = {
      "router", "permute", "count_exchange", "dispatch", "expert_ffn", "combine", "unpermute"};
  return names;
}

const PhaseEstimate& ExpertParallelEstimate::phase(const std::string& name) const {
  for (const auto& p : phases)
    if (p.name == name) return p;
  throw Error("no expert-parallel phase named '" + name + "'");
}

Link expert_parallel_link(const HardwareProfile& hw, const ExpertParallelPlacement& p) {
  if (p.nodes < 1 || p.gpus_per_node < 1)
    throw Error("expert parallelism needs nodes >= 1 and gpus_per_node >= 1");
  const int per_node = hw.devices_per_node();
  if (p.gpus_per_node > per_node)
    throw Error("'" + hw.id + "' has " + std::to_string(per_node) + " devices per node, not " +
                std::to_string(p.gpus_per_node));
  // Ranks on several nodes reach each other over the scale-out network however few GPUs each
  // node contributes: ask for a group wider than one node.
  const int group = p.nodes == 1 ? p.gpus_per_node : p.nodes * per_node;
  auto link = link_for_group(hw, group);
  if (!link)
    throw Error("'" + hw.id + "' has no interconnect that joins " + std::to_string(p.nodes) +
                " nodes (add a scope = \"cluster\" [[interconnect]] to the profile)");
  return *link;
}

ExpertParallelEstimate estimate_expert_parallel(const ExpertParallelLayer& layer,
                                                const HardwareProfile& hw,
                                                const ExpertParallelPlacement& placement) {
  const int n = placement.ranks();
  if (layer.hidden < 1 || layer.expert_ffn < 1 || layer.tokens_per_rank < 1)
    throw Error("expert-parallel layer needs hidden, expert_ffn and tokens_per_rank >= 1");
  if (layer.experts < 1 || layer.top_k < 1 || layer.top_k > layer.experts)
    throw Error("expert-parallel layer needs 1 <= top_k <= experts");
  if (layer.experts % n != 0)
    throw Error(std::to_string(n) + " ranks do not divide the " + std::to_string(layer.experts) +
                " routed experts");
  const RoutingDistribution routing =
      layer.routing.inclusion.empty() ? uniform_routing(layer.experts, layer.top_k) : layer.routing;
  if (int(routing.inclusion.size()) != layer.experts || routing.top_k != layer.top_k)
    throw Error("the routing distribution does not match the layer's experts and top_k");

  ExpertParallelEstimate out;
  out.ranks = n;
  out.link = expert_parallel_link(hw, placement);
  const double T = layer.tokens_per_rank, H = layer.hidden, F = layer.expert_ffn;
  const double E = layer.experts, k = layer.top_k;
  const double ab = bytes_per_element(layer.activations);
  const double db = bytes_per_element(layer.dispatch_format);
  const double cb = bytes_per_element(layer.combine_format);
  const double wb = bytes_per_element(layer.expert_weights);
  const double matrices = layer.gated ? 3 : 2;
  const ComputeRates act_rates = hw.rates_for_format(layer.activations);

  out.local_experts = E / n;
  out.mean_rank_rows = T * k;
  const long long all_tokens = static_cast<long long>(layer.tokens_per_rank) * n;
  out.busiest_rank_rows = expected_max_rank_load(routing, all_tokens, n);
  out.imbalance = out.busiest_rank_rows / out.mean_rank_rows;
  out.touched_local_experts = expected_unique_experts(routing, double(all_tokens)) / n;
  out.expert_weight_bytes_per_rank = out.local_experts * matrices * H * F * wb;
  const double L = out.busiest_rank_rows;

  Cost router;
  router.flops_matrix = 2 * T * H * E;
  router.flops_vector = T * E * (4 + k);  // softmax (max, subtract, sum, divide) + k argmax passes
  router.special_ops = T * E;
  router.bytes_dram = (T * H + H * E) * ab + T * k * kRoutingBytesPerSlot;
  router.launches = kLaunchesRouter;
  out.phases.push_back(from_roofline("router", router, act_rates, hw));

  Cost permute;  // read each token row once per slot, write it into its expert's segment
  permute.bytes_dram = T * k * (H * ab + H * db + kPermuteBytesPerSlot);
  permute.launches = kLaunchesPermute;
  out.phases.push_back(from_roofline("permute", permute, act_rates, hw));

  out.phases.push_back(all_to_all_phase("count_exchange", n * E * kCountBytes, n, out.link, hw));
  out.phases.push_back(all_to_all_phase("dispatch", L * H * db, n, out.link, hw));

  Cost ffn;  // the busiest rank: L rows over the local experts that received any
  ffn.flops_matrix = 2 * L * H * F * matrices;
  ffn.flops_vector = L * F * (layer.gated ? 4 : 3);  // activation (+ gate product)
  ffn.special_ops = L * F;                           // one exp per SiLU
  ffn.bytes_dram = out.touched_local_experts * matrices * H * F * wb + L * (2 * H + 2 * F) * ab;
  ffn.launches = kLaunchesExpertFfn;
  PredictOptions ffn_options;
  ffn_options.family = "moe/grouped-gemm";
  ffn_options.variant = "moe.grouped_ffn";
  out.phases.push_back(
      from_roofline("expert_ffn", ffn, hw.rates_for_format(layer.expert_weights), hw, ffn_options));

  out.phases.push_back(all_to_all_phase("combine", L * H * cb, n, out.link, hw));

  Cost unpermute;
  unpermute.flops_vector = 2 * T * k * H;
  unpermute.bytes_dram = T * k * (H * cb + kRoutingBytesPerSlot) + T * H * ab;
  unpermute.launches = kLaunchesUnpermute;
  out.phases.push_back(from_roofline("unpermute", unpermute, act_rates, hw));

  for (const auto& p : out.phases) {
    out.total_s += p.seconds;
    out.low_s += p.low_s;
    out.high_s += p.high_s;
  }
  return out;
}

}  // namespace moat::model
