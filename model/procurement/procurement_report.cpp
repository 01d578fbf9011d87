#include "model/procurement/procurement_report.hpp"

#include <cmath>
#include <cstdio>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "model/models/model_totals.hpp"
#include "model/models/parameters.hpp"
#include "model/number_format.hpp"

namespace moat::model {

namespace {

std::string fmt(const char* format, double v) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

nlohmann::json plan_json(const ParallelPlan& p) {
  return {{"tp", p.tp}, {"ep", p.ep}, {"pp", p.pp}, {"dp", p.dp}, {"devices", p.devices()}};
}

std::string step_name(const Workload& w) { return w.phase == "decode" ? "tpot" : "ttft"; }

}  // namespace

void print_procurement(const ProcurementResult& r, std::ostream& out) {
  const auto& sc = r.scenario;
  const auto& w = sc.workload;
  const ParameterCount pc = count_parameters(sc.model);
  char line[512];
  out << "# " << sc.name << ": " << sc.model.name << ", " << w.phase << ", batch " << w.batch
      << ", context " << w.context << ", weights " << w.weights
      << (w.expert_weights.empty() ? "" : " (experts " + w.expert_weights + ")") << ", KV "
      << w.kv_cache << "\n";
  std::snprintf(line, sizeof line,
                "# %.1fB parameters (%.1fB active), KV cache %.1f KB/token, cost basis %s, ranked by %s\n",
                pc.total() * 1e-9, pc.active(sc.model.published.active_counting) * 1e-9,
                kv_bytes_per_token(sc.model, bytes_per_element(w.kv_cache)) * 1e-3,
                sc.economics.cost_basis.c_str(), sc.rank_by.c_str());
  out << line;
  const std::string step = w.phase == "decode" ? "TPOT ms" : "TTFT ms";
  std::snprintf(line, sizeof line, "%-4s %-34s %11s %17s %12s %9s %9s %9s %8s  %s\n", "rank",
                "candidate", step.c_str(), "band ms", "tokens/s", "$/Mtok", "J/token", "GB/dev",
                "maxbatch", "bound");
  out << line;
  int rank = 0;
  for (const auto& c : r.ranked) {
    const auto& e = c.estimate;
    const std::string band = fmt("%.3g", e.low_s * 1e3) + "-" + fmt("%.3g", e.high_s * 1e3);
    std::snprintf(line, sizeof line, "%-4d %-34s %11.4g %17s %12.4g %9s %9s %9.1f %8.0f  %s\n",
                  ++rank, c.label.c_str(), e.step_s * 1e3, band.c_str(), e.tokens_per_s,
                  fmt("%.3g", c.usd_per_mtok).c_str(), fmt("%.3g", c.joules_per_token).c_str(),
                  (e.weight_bytes_per_device + e.kv_bytes_per_device) * 1e-9, e.max_batch,
                  e.bound.c_str());
    out << line;
  }
  if (!r.infeasible.empty()) {
    out << "\nInfeasible:\n";
    for (const auto& c : r.infeasible) out << "  " << c.label << ": " << c.estimate.reason << "\n";
  }
  if (!r.sensitivity.empty()) {
    out << "\nSensitivity (tokens/s; $/Mtok for price changes; * = best by " << sc.rank_by << "):\n";
    std::snprintf(line, sizeof line, "%-34s", "candidate");
    out << line;
    for (const auto& s : r.sensitivity) {
      std::snprintf(line, sizeof line, " %14s", (s.parameter + fmt("%+.0f%%", 100 * s.change)).c_str());
      out << line;
    }
    out << "\n";
    for (const auto& c : r.ranked) {
      std::snprintf(line, sizeof line, "%-34s", c.label.c_str());
      out << line;
      for (const auto& s : r.sensitivity) {
        const bool price = s.parameter == "price";
        auto it = price ? s.usd_per_mtok.find(c.label) : s.tokens_per_s.find(c.label);
        const double v = it == (price ? s.usd_per_mtok.end() : s.tokens_per_s.end()) ? NAN : it->second;
        std::string cell = fmt("%.4g", v) + (s.winner == c.label ? "*" : " ");
        std::snprintf(line, sizeof line, " %14s", cell.c_str());
        out << line;
      }
      out << "\n";
    }
  }
  out << "\nTimes are roofline estimates per device plus alpha-beta collectives (no overlap); the "
         "band is the model's uncertainty. J/token assumes devices at TDP.\n";
}

nlohmann::json procurement_to_json(const ProcurementResult& r) {
  const auto& sc = r.scenario;
  const auto& w = sc.workload;
  const ParameterCount pc = count_parameters(sc.model);
  nlohmann::json j;
  j["schema"] = kProcurementSchema;
  j["schema_version"] = kProcurementSchemaVersion;
  j["scenario"] = {{"path", sc.path}, {"name", sc.name}, {"description", sc.description}};
  j["model"] = {{"id", sc.model.id},
                {"name", sc.model.name},
                {"preset_path", sc.model_path},
                {"config_source", sc.model.config_source},
                {"total_params", pc.total()},
                {"active_params", pc.active(sc.model.published.active_counting)},
                {"active_params_all", pc.active(ActiveCounting::all)},
                {"kv_bytes_per_token", kv_bytes_per_token(sc.model, bytes_per_element(w.kv_cache))}};
  j["workload"] = {{"phase", w.phase},
                   {"batch", w.batch},
                   {"context", w.context},
                   {"weights", w.weights},
                   {"expert_weights", w.expert_weights.empty() ? w.weights : w.expert_weights},
                   {"kv_cache", w.kv_cache},
                   {"activations", w.activations},
                   {"memory_reserve", w.memory_reserve},
                   {"routing", {{"distribution", w.routing.distribution},
                                {"zipf_s", w.routing.distribution == "zipf" ? nlohmann::json(w.routing.zipf_s)
                                                                            : nlohmann::json()}}}};
  j["economics"] = {{"cost_basis", sc.economics.cost_basis},
                    {"years", sc.economics.years},
                    {"usd_per_kwh", sc.economics.usd_per_kwh},
                    {"pue", sc.economics.pue}};
  j["rank_by"] = sc.rank_by;
  j["ranking"] = nlohmann::json::array();
  int rank = 0;
  for (const auto& c : r.ranked) {
    const auto& e = c.estimate;
    j["ranking"].push_back({{"rank", ++rank},
                            {"label", c.label},
                            {"hardware", {{"id", c.hardware_id}, {"name", c.hardware_name}}},
                            {"plan", plan_json(c.plan)},
                            {step_name(w) + "_s", e.step_s},
                            {"step_s", e.step_s},
                            {"step_low_s", e.low_s},
                            {"step_high_s", e.high_s},
                            {"tokens_per_s", e.tokens_per_s},
                            {"usd_per_hour", number_or_null(c.usd_per_hour > 0 ? c.usd_per_hour : NAN)},
                            {"usd_per_mtok", number_or_null(c.usd_per_mtok)},
                            {"joules_per_token", number_or_null(c.joules_per_token)},
                            {"price_source", c.price_source},
                            {"bound", e.bound},
                            {"moe_rank_imbalance", e.moe_rank_imbalance},
                            {"breakdown_s", e.breakdown_s},
                            {"memory", {{"weight_bytes_per_device", e.weight_bytes_per_device},
                                        {"kv_bytes_per_device", e.kv_bytes_per_device},
                                        {"usable_bytes_per_device", e.usable_bytes_per_device},
                                        {"max_batch", e.max_batch}}}});
  }
  j["infeasible"] = nlohmann::json::array();
  for (const auto& c : r.infeasible)
    j["infeasible"].push_back({{"label", c.label},
                               {"hardware", {{"id", c.hardware_id}, {"name", c.hardware_name}}},
                               {"plan", plan_json(c.plan)},
                               {"reason", c.estimate.reason}});
  j["sensitivity"] = nlohmann::json::array();
  for (const auto& s : r.sensitivity) {
    nlohmann::json per = nlohmann::json::object();
    for (const auto& [label, tps] : s.tokens_per_s)
      per[label] = {{"tokens_per_s", tps}, {"usd_per_mtok", number_or_null(s.usd_per_mtok.at(label))}};
    j["sensitivity"].push_back(
        {{"parameter", s.parameter}, {"change", s.change}, {"winner", s.winner}, {"candidates", per}});
  }
  return j;
}

void write_procurement_json(const ProcurementResult& r, const std::string& path) {
  write_file_atomically(path, procurement_to_json(r).dump(1) + "\n");
}

}  // namespace moat::model
