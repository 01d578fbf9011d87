#include "model/procurement/procurement.hpp"

#include <algorithm>
#include <cmath>

namespace moat::model {

double hourly_cost_usd(const HardwareProfile& hw, int devices, const Economics& e) {
  if (e.cost_basis == "ownership") {
    if (hw.price.purchase_usd <= 0 || e.years <= 0) return 0;
    const double capital = hw.price.purchase_usd / (e.years * kHoursPerYear);
    const double power = hw.tdp_watts * e.pue / 1000 * e.usd_per_kwh;
    return devices * (capital + power);
  }
  return devices * hw.price.usd_per_hour;
}

namespace {

double metric(const CandidateResult& r, const std::string& rank_by) {
  if (rank_by == "tokens_per_s") return -r.estimate.tokens_per_s;  // larger is better
  if (rank_by == "joules_per_token") return r.joules_per_token;
  return r.usd_per_mtok;
}

std::string price_source(const HardwareProfile& hw, const Economics& e) {
  const char* key = e.cost_basis == "ownership" ? "price.purchase_usd" : "price.usd_per_hour";
  auto it = hw.sources.find(key);
  return it == hw.sources.end() ? "" : it->second;
}

}  // namespace

CandidateResult evaluate_candidate(const Candidate& c, const ProcurementScenario& sc) {
  CandidateResult r;
  r.label = c.label;
  r.hardware_id = c.hardware.id;
  r.hardware_name = c.hardware.name;
  r.plan = c.plan;
  r.estimate = estimate_inference(sc.model, c.hardware, c.plan, sc.workload);
  r.usd_per_hour = hourly_cost_usd(c.hardware, c.plan.devices(), sc.economics);
  r.price_source = price_source(c.hardware, sc.economics);
  const double tps = r.estimate.tokens_per_s;
  if (r.estimate.feasible && tps > 0) {
    if (r.usd_per_hour > 0) r.usd_per_mtok = r.usd_per_hour / (tps * 3600) * 1e6;
    if (c.hardware.tdp_watts > 0) r.joules_per_token = c.plan.devices() * c.hardware.tdp_watts / tps;
  }
  return r;
}

void rank_candidates(std::vector<CandidateResult>& results, const std::string& rank_by) {
  std::stable_sort(results.begin(), results.end(),
                   [&](const CandidateResult& a, const CandidateResult& b) {
                     const double x = metric(a, rank_by), y = metric(b, rank_by);
                     if (std::isnan(x) != std::isnan(y)) return std::isnan(y);
                     return x < y;
                   });
}

HardwareProfile scale_bandwidth(HardwareProfile hw, double factor) {
  for (auto& m : hw.memory) m.bandwidth *= factor;
  for (auto& i : hw.interconnects) i.bandwidth_per_direction *= factor;
  return hw;
}

HardwareProfile scale_flops(HardwareProfile hw, double factor) {
  for (auto& [dt, r] : hw.compute) r.matrix_flops *= factor, r.vector_flops *= factor;
  for (auto& [name, r] : hw.formats) r.matrix_flops *= factor, r.vector_flops *= factor;
  hw.special_ops_per_s *= factor;
  return hw;
}

namespace {

SensitivityCase perturbed(const ProcurementScenario& sc, const std::string& parameter,
                          double change) {
  SensitivityCase s{parameter, change, {}, {}, {}};
  std::vector<CandidateResult> results;
  for (Candidate c : sc.candidates) {
    if (parameter == "bandwidth") c.hardware = scale_bandwidth(c.hardware, 1 + change);
    if (parameter == "flops") c.hardware = scale_flops(c.hardware, 1 + change);
    if (parameter == "price") {
      c.hardware.price.usd_per_hour *= 1 + change;
      c.hardware.price.purchase_usd *= 1 + change;
    }
    CandidateResult r = evaluate_candidate(c, sc);
    if (!r.estimate.feasible) continue;
    s.tokens_per_s[r.label] = r.estimate.tokens_per_s;
    s.usd_per_mtok[r.label] = r.usd_per_mtok;
    results.push_back(std::move(r));
  }
  rank_candidates(results, sc.rank_by);
  if (!results.empty()) s.winner = results.front().label;
  return s;
}

}  // namespace

ProcurementResult run_procurement(const ProcurementScenario& sc) {
  ProcurementResult out;
  out.scenario = sc;
  for (const auto& c : sc.candidates) {
    CandidateResult r = evaluate_candidate(c, sc);
    (r.estimate.feasible ? out.ranked : out.infeasible).push_back(std::move(r));
  }
  rank_candidates(out.ranked, sc.rank_by);
  const std::pair<const char*, double> knobs[] = {
      {"bandwidth", sc.sensitivity.bandwidth}, {"flops", sc.sensitivity.flops}, {"price", sc.sensitivity.price}};
  for (const auto& [parameter, delta] : knobs) {
    if (delta <= 0) continue;
    out.sensitivity.push_back(perturbed(sc, parameter, -delta));
    out.sensitivity.push_back(perturbed(sc, parameter, +delta));
  }
  return out;
}

ProcurementResult run_procurement(const std::string& scenario_path) {
  return run_procurement(load_procurement_scenario(scenario_path));
}

}  // namespace moat::model
