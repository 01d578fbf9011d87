#pragma once
// One expert-parallel MoE layer on one rank, built from the single-GPU layer's Kokkos pieces
// (kernels/moe/common: router, dispatch/combine, grouped GEMM) with a Communicator between them:
//   router          logits = x W_router, softmax top-k (renormalized)       router_logits,
//   select_routed permute         rows grouped by expert = by destination rank moe::dispatch
//   count_exchange  all-gather of every rank's per-expert counts; receive
//                   sizes and the grouped GEMM's tiles from them
//   dispatch        all_to_all_v of the permuted rows
//   expert_ffn      SwiGLU grouped GEMMs over the rows received, local experts   moe::grouped_gemm
//   combine         all_to_all_v of the outputs back to the rows' ranks (same positions)
//   unpermute       out[t] = sum_s w[t][s] y[position[t][s]]                 moe::combine
// Experts are placed contiguously: rank r owns [r E/n, (r+1) E/n). Every rank builds the same
// seeded weights (all experts, as the single-GPU layer) and keeps its slice; rank r's tokens are
// its own seeded draw, so the single-GPU layer run on them is the reference (reference_output).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/ep/communicator.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/moe/common/dispatch.hpp"
#include "kernels/moe/common/grouped_gemm.hpp"
#include "kernels/moe/common/layer_config.hpp"
#include "kernels/moe/common/oracle.hpp"

namespace moat::ep {

struct EpLayerConfig {
  int tokens_per_rank = 64;
  int hidden = 256;
  int ffn = 512;  // per-expert intermediate width
  int experts = 8;
  int top_k = 2;
  std::uint64_t seed = 1;
};

inline constexpr int kPhaseCount = 7;
// Phase names in execution order; the same names as model::expert_parallel_phases().
const std::array<const char*, kPhaseCount>& ep_phase_names();
using PhaseTimes = std::array<double, kPhaseCount>;  // seconds

// Rows each rank moved in the last run (one row = one (token, slot) assignment).
struct EpTraffic {
  std::int64_t rows_permuted = 0;    // T k, this rank's assignments
  std::int64_t rows_sent = 0;        // dispatched to all ranks (itself included)
  std::int64_t rows_received = 0;    // this rank's expert FFN rows
  std::int64_t rows_returned = 0;    // outputs received back in the combine
  std::vector<std::int64_t> counts;  // every rank's per-expert counts [rank][expert]
};

class EpLayer {
 public:
  // Throws moat::Error when the ranks do not divide the experts or the shape is invalid.
  EpLayer(const EpLayerConfig& cfg, Communicator& comm);

  // One forward pass over this rank's tokens; with `times`, each phase's time on this rank
  // (KernelTimer: CUDA events on CUDA, steady clock + fence elsewhere).
  void run(PhaseTimes* times = nullptr);
  std::vector<float> output() const;  // [tokens_per_rank][hidden] of the last run
  const EpTraffic& traffic() const { return traffic_; }
  const EpLayerConfig& config() const { return cfg_; }
  int local_experts() const { return local_experts_; }

  // The single-GPU MoE layer (RoutedPipeline with every expert) on this rank's tokens.
  std::vector<float> reference_output() const;
  // Compares output() with reference_output(): the same layer on one device, so the tolerance
  // is that of fp32 reductions of length hidden + ffn (only the summation order may differ).
  CheckReport check() const;

 private:
  void exchange_counts();
  EpLayerConfig cfg_;
  Communicator& comm_;
  int local_experts_;
  moe::LayerConfig layer_;
  moe::HostWeights weights_;  // every expert, as the single-GPU layer
  std::vector<float> x_host_;
  View2<const float> x_, router_w_;
  View3<const float> w_gate_, w_up_, w_down_;  // this rank's experts only
  View2<float> logits_, weight_, xp_, x_recv_, hmid_, y_recv_, yp_, out_;
  View2<int> idx_;
  moe::Dispatch dispatch_;
  moe::RowTileList tiles_;  // this rank's received segments, per source rank and local expert
  std::vector<std::size_t> send_bytes_, recv_bytes_;
  EpTraffic traffic_;
};

// Rank r's input tokens [tokens_per_rank][hidden] (seeded by cfg.seed and r).
std::vector<float> rank_tokens(const EpLayerConfig& cfg, int rank);

}  // namespace moat::ep
