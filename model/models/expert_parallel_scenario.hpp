#pragma once
// An expert-parallel question as a model scenario (kind = "model" with an [expert_parallel]
// table; format in docs/expert-parallel.md): one MoE model preset, the tokens each rank routes
// and the formats on the wire, and deployments (hardware x nodes x GPUs per node). `moat predict`
// prints each deployment's per-phase times (expert_parallel.hpp) and writes them as JSON
// (schema "moat.expert_parallel", version 1). Parsed strictly: file:line:col on every mistake.
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "model/hardware_profile.hpp"
#include "model/models/expert_parallel.hpp"
#include "model/models/model_preset.hpp"

namespace moat::model {

inline constexpr const char* kExpertParallelSchema = "moat.expert_parallel";
inline constexpr int kExpertParallelSchemaVersion = 1;

struct EpDeployment {
  std::string label;  // "32x H100 SXM (4 nodes x 8)"
  std::string hardware_path;
  HardwareProfile hardware;
  ExpertParallelPlacement placement;
};

struct ExpertParallelScenario {
  std::string path;
  std::string name;
  std::string description;
  std::string model_path;
  ModelPreset model;
  int moe_layers = 0;                 // layers whose FFN is the routed block below
  ExpertParallelLayer layer;          // from the preset's MoE block and [expert_parallel]
  std::string routing_name;           // "uniform" | "zipf(s=1.2)"
  std::string weights;                // format of every weight outside the routed experts
  double routed_bytes_per_layer = 0;  // all routed experts of one MoE layer
  double other_weight_bytes = 0;      // attention, dense and shared FFNs, embeddings, norms
  std::vector<EpDeployment> deployments;
};

struct EpDeploymentResult {
  EpDeployment deployment;
  ExpertParallelEstimate layer;  // one MoE layer
  double step_s = 0;             // layer total x moe_layers
  // Weights one rank holds: its share of the routed experts of every MoE layer plus a full copy
  // of everything else (data-parallel attention, as DeepSeek decodes). KV cache not included.
  double expert_bytes_per_rank = 0;
  double weight_bytes_per_rank = 0;
  double capacity_bytes = 0;  // device main memory
  bool weights_fit = true;
};

// True when the file is a model scenario with an [expert_parallel] table.
bool is_expert_parallel_scenario(const std::string& path);

ExpertParallelScenario load_expert_parallel_scenario(const std::string& path);
std::vector<EpDeploymentResult> run_expert_parallel(const ExpertParallelScenario& sc);

void print_expert_parallel(const ExpertParallelScenario& sc,
                           const std::vector<EpDeploymentResult>& results, std::ostream& out);
nlohmann::json expert_parallel_to_json(const ExpertParallelScenario& sc,
                                       const std::vector<EpDeploymentResult>& results);

// `moat predict` entry point: prints the table and, when `json_out` is set, writes the JSON
// there. Returns the exit code (0). Throws moat::Error for malformed scenarios.
int predict_expert_parallel_scenario(const std::string& path, const std::string& json_out,
                                     std::ostream& out);

}  // namespace moat::model
