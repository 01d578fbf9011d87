#pragma once
// Ranks candidate machines for one model workload: throughput, dollars per million tokens and
// joules per token, with memory feasibility and a sensitivity check of the ranking.
//  - $/Mtok = hourly cost of all devices / (tokens/s * 3600) * 1e6. Hourly cost: rental price per
//    device-hour, or ownership: purchase / (years * 8760 h) + TDP * PUE * electricity price.
//  - J/token = devices * TDP / (tokens/s): devices drawing their full TDP, an upper bound that
//    leaves out hosts, networking and cooling (PUE enters the ownership cost only).
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "model/models/inference.hpp"
#include "model/procurement/procurement_scenario.hpp"

namespace moat::model {

inline constexpr double kHoursPerYear = 8760;

struct CandidateResult {
  std::string label;
  std::string hardware_id;
  std::string hardware_name;
  ParallelPlan plan;
  InferenceEstimate estimate;
  double usd_per_hour = 0;  // all devices; 0 when the profile has no price for the cost basis
  double usd_per_mtok = std::numeric_limits<double>::quiet_NaN();
  double joules_per_token = std::numeric_limits<double>::quiet_NaN();
  std::string price_source;
};

// One row of the sensitivity table: every candidate re-evaluated with one input changed.
struct SensitivityCase {
  std::string parameter;  // "bandwidth" | "flops" | "price"
  double change = 0;      // relative, e.g. -0.2
  std::string winner;     // best candidate's label under the scenario's rank_by
  std::map<std::string, double> tokens_per_s;  // label -> value
  std::map<std::string, double> usd_per_mtok;
};

struct ProcurementResult {
  ProcurementScenario scenario;
  std::vector<CandidateResult> ranked;      // feasible, best first by scenario.rank_by
  std::vector<CandidateResult> infeasible;  // with estimate.reason
  std::vector<SensitivityCase> sensitivity;
};

ProcurementResult run_procurement(const std::string& scenario_path);
ProcurementResult run_procurement(const ProcurementScenario& scenario);

// Cost, energy and ranking of already-estimated candidates (exposed for tests).
CandidateResult evaluate_candidate(const Candidate& c, const ProcurementScenario& sc);
double hourly_cost_usd(const HardwareProfile& hw, int devices, const Economics& e);
// Sorts best first; candidates without the ranking metric (no price) go last.
void rank_candidates(std::vector<CandidateResult>& results, const std::string& rank_by);
// A copy of `hw` with memory + interconnect bandwidth, or every compute rate, scaled by `factor`.
HardwareProfile scale_bandwidth(HardwareProfile hw, double factor);
HardwareProfile scale_flops(HardwareProfile hw, double factor);

}  // namespace moat::model
