#pragma once
// Time of one expert-parallel (EP) MoE layer, phase by phase, on ranks = nodes x GPUs per node.
// Every rank routes its own tokens; routed experts are placed contiguously (rank r owns experts
// [r E/n, (r+1) E/n)); hidden states travel to the experts' ranks and back by all-to-all. The
// phases are the ones `moat ep` measures (bench/ep/ep_layer.hpp), in order:
//   router         logits = x W_router, top-k               roofline: 2 T H E FLOPs, x and W read
//   permute        group (token, slot) rows by expert       roofline: T k rows read + written
//   count_exchange all-gather of per-expert row counts      alpha-beta: all_to_all_s(n * 4E, n)
//   dispatch       rows to their experts' ranks             alpha-beta + local copy (see below)
//   expert_ffn     grouped SwiGLU FFN of the busiest rank   roofline: L rows x local experts
//   combine        expert outputs back to the token's rank  alpha-beta + local copy
//   unpermute      out[t] = sum_s w[t][s] y[t][s]           roofline: T k rows read, T written
// T = tokens per rank, k = top_k, E = routed experts, H = hidden, n = ranks.
//
// Load imbalance: the all-to-alls and the expert FFN wait for the busiest rank, which receives
// L = E[max_r load_r] rows, expected_max_rank_load() of routing.hpp over the T n tokens of all
// ranks (Binomial rank loads). Each rank sends T k rows (one per (token, slot); tokens are not
// de-duplicated per destination rank, as DeepEP's node-limited routing would), so the busiest
// rank holds max(T k, L) = L rows for all n peers: dispatch and combine cost
//   all_to_all_s(L * H * bytes, n, link) + local copy of L/n rows (read + write, memory roofline)
// with `link` the slowest fabric the ranks span (collectives.hpp: NVLink inside one node, the
// scale-out network once the ranks span nodes). The local copy is the rank's share addressed to
// itself, which never leaves the device (and is all of the traffic on one rank).
// The count exchange is an all-gather of 4E bytes per rank; an all-gather of M bytes moves the
// same (n-1) M per device as an all-to-all of n M bytes, so it is all_to_all_s(n * 4E, n, link).
// Phases add up with no overlap (an upper bound; DeepEP overlaps communication with compute).
#include <string>
#include <vector>

#include "core/cost.hpp"
#include "model/hardware_profile.hpp"
#include "model/models/collectives.hpp"
#include "model/models/routing.hpp"

namespace moat::model {

struct ExpertParallelLayer {
  int hidden = 0;
  int expert_ffn = 0;  // intermediate width of one routed expert
  int experts = 0;     // routed experts (shared experts stay on every rank and are not modeled)
  int top_k = 0;
  bool gated = true;                 // gate, up and down matrices (SwiGLU); false: up and down only
  int tokens_per_rank = 0;           // tokens each rank routes (decode: its sequences)
  std::string activations = "bf16";  // hidden states read and written by the local steps
  std::string dispatch_format = "bf16";  // rows sent to the experts (DeepEP: fp8)
  std::string combine_format = "bf16";   // expert outputs sent back (DeepEP: bf16)
  std::string expert_weights = "bf16";   // format of the expert GEMMs' weights and math
  RoutingDistribution routing;           // empty: uniform over `experts`
};

struct ExpertParallelPlacement {
  int nodes = 1;
  int gpus_per_node = 1;
  int ranks() const { return nodes * gpus_per_node; }
};

struct PhaseEstimate {
  std::string name;
  double seconds = 0;
  double low_s = 0;
  double high_s = 0;
  std::string bound;  // compute | memory | special | latency | communication
  Cost work;          // what the busiest rank's device does (for an all-to-all: the local copy)
  double network_bytes = 0;  // all-to-alls: bytes the busiest rank holds for all ranks
  double network_s = 0;      // all-to-alls: the alpha-beta part of `seconds`
};

struct ExpertParallelEstimate {
  int ranks = 1;
  Link link;                                // fabric of the all-to-alls
  double local_experts = 0;                 // E / n
  double mean_rank_rows = 0;                // T k
  double busiest_rank_rows = 0;             // L
  double imbalance = 1;                     // L / (T k)
  double touched_local_experts = 0;         // experts of one rank with at least one row
  double expert_weight_bytes_per_rank = 0;  // routed experts this rank holds, one layer
  std::vector<PhaseEstimate> phases;        // in execution order (see the file comment)
  double total_s = 0, low_s = 0, high_s = 0;

  const PhaseEstimate& phase(const std::string& name) const;  // throws moat::Error if unknown
};

// Phase names in execution order.
const std::vector<std::string>& expert_parallel_phases();

// The fabric all-to-alls over `p` use: the scale-up domain when one node holds every rank, else
// the scale-out network (link_for_group over as many devices as the nodes span). Throws
// moat::Error when the node has fewer GPUs than asked or no fabric reaches that far.
Link expert_parallel_link(const HardwareProfile& hw, const ExpertParallelPlacement& p);

// Throws moat::Error for inconsistent input (ranks not dividing experts, unknown formats, ...).
ExpertParallelEstimate estimate_expert_parallel(const ExpertParallelLayer& layer,
                                                const HardwareProfile& hw,
                                                const ExpertParallelPlacement& placement);

}  // namespace moat::model
