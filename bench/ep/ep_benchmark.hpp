#pragma once
// `moat ep`: runs the expert-parallel layer (ep_layer.hpp) on every rank, checks it against the
// single-GPU layer, times each phase, and builds one results document (docs/results-schema.md)
// with one case per phase plus the whole layer, each beside the model's prediction
// (model/models/expert_parallel.hpp) for the given hardware profile.
#include <nlohmann/json.hpp>
#include <string>

#include "bench/ep/communicator.hpp"
#include "bench/ep/ep_layer.hpp"
#include "model/hardware_profile.hpp"
#include "model/models/expert_parallel.hpp"

namespace moat::ep {

struct EpBenchmarkOptions {
  EpLayerConfig layer;
  int warmup_runs = 2;
  int repetitions = 20;
  const model::HardwareProfile* hardware = nullptr;  // null: no predictions
  std::string hardware_path;
  std::string command;  // the command line, recorded as run.command and each case's repro
};

// What the model predicts for the measured layer: fp32 everywhere, uniform routing (the random
// router's expected load), n ranks on one node. Throws moat::Error when the profile cannot
// carry n ranks.
model::ExpertParallelEstimate predict_ep_layer(const EpLayerConfig& layer, int ranks,
                                               const model::HardwareProfile& hw);

// Collective: every rank calls it. Returns the document on rank 0 and null on the others. The
// status of every case is "wrong_result" (and nothing is timed) when any rank's output differs
// from the single-GPU layer or rows are not conserved.
nlohmann::json run_ep_benchmark(const EpBenchmarkOptions& options, Communicator& comm);

}  // namespace moat::ep
