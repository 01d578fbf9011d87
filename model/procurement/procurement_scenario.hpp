#pragma once
// A procurement question as a scenario file (kind = "model", format in docs/model.md): one model
// preset, one workload (phase, batch, context, formats), candidate machines with device counts and
// parallel plans, the cost basis, and the sensitivity to check. Parsed strictly: unknown keys,
// wrong types and bad values throw moat::Error with file:line:col and a hint.
#include <string>
#include <vector>

#include "core/error.hpp"
#include "model/hardware_profile.hpp"
#include "model/models/inference.hpp"
#include "model/models/model_preset.hpp"

namespace moat::model {

struct Candidate {
  std::string label;  // "8x H200 (tp8 ep8)"
  std::string hardware_path;
  HardwareProfile hardware;
  ParallelPlan plan;
};

struct Economics {
  std::string cost_basis = "rental";  // "rental": price.usd_per_hour; "ownership": purchase + power
  double years = 0;                   // ownership: straight-line amortization period
  double usd_per_kwh = 0;             // ownership: electricity price
  double pue = 1;                     // ownership: facility power over IT power
};

struct SensitivitySpec {
  double bandwidth = 0;  // relative change applied to memory and interconnect bandwidth
  double flops = 0;      // relative change applied to every compute rate
  double price = 0;      // relative change applied to the hourly cost
};

struct ProcurementScenario {
  std::string path;
  std::string name;
  std::string description;
  std::string model_path;
  ModelPreset model;
  Workload workload;
  Economics economics;
  std::string rank_by = "usd_per_mtok";  // "usd_per_mtok" | "tokens_per_s" | "joules_per_token"
  SensitivitySpec sensitivity;
  std::vector<Candidate> candidates;
};

ProcurementScenario load_procurement_scenario(const std::string& path);

// Finds `ref` (a path, or an id under model/<folder>/) from the scenario's folder, the working
// directory and the source tree. Throws moat::Error at `where` listing what exists.
std::string resolve_model_file(const std::string& ref, const std::string& folder,
                               const std::string& scenario_path, const SourceLocation& where);

}  // namespace moat::model
