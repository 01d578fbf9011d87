#include "model/models/expert_parallel_scenario.hpp"

#include <cstdio>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "model/models/parameters.hpp"
#include "model/number_format.hpp"
#include "model/procurement/procurement_scenario.hpp"
#include "model/toml_strict.hpp"

namespace moat::model {


bool is_expert_parallel_scenario(const std::string& path) {
  try {
    toml::table t = toml::parse_file(path);
    return t["kind"].value_or(std::string()) == "model" && t.contains("expert_parallel");
  } catch (const toml::parse_error&) {
    return false;
  }
}

namespace {

// The preset's routed-expert FFN block and how many layers use it.
const FfnBlock& moe_block(const ModelPreset& m, const StrictTable& model_table, int& layers) {
  const FfnBlock* found = nullptr;
  layers = 0;
  for (const auto& g : m.layers) {
    const FfnBlock& f = m.ffn_of(g);
    if (!f.moe) continue;
    if (found && found->name != f.name)
      model_table.fail("preset",
                       "'" + m.id + "' has more than one routed-expert FFN block (" + found->name +
                           ", " + f.name + ")",
                       "an expert-parallel scenario models one MoE block");
    found = &f;
    layers += g.count;
  }
  if (!found)
    model_table.fail("preset", "'" + m.id + "' has no routed experts",
                     "expert parallelism needs a mixture-of-experts model");
  return *found;
}

void read_layer(const StrictTable& root, ExpertParallelScenario& sc, const FfnBlock& f) {
  StrictTable t =
      root.table("expert_parallel", {"tokens_per_rank", "activations", "dispatch", "combine",
                                     "weights", "expert_weights", "routing"});
  const auto& formats = number_format_names();
  ExpertParallelLayer& l = sc.layer;
  l.hidden = sc.model.hidden;
  l.expert_ffn = f.intermediate;
  l.experts = f.experts;
  l.top_k = f.top_k;
  l.gated = f.gated;
  l.tokens_per_rank = static_cast<int>(t.integer("tokens_per_rank", 1));
  l.activations = t.text_or("activations", "bf16", {"fp32", "bf16", "fp16"});
  l.dispatch_format = t.text_or("dispatch", l.activations, formats);
  l.combine_format = t.text_or("combine", l.activations, formats);
  l.expert_weights = t.text_or("expert_weights", sc.model.native_weights, formats);
  sc.weights = t.text_or("weights", sc.model.native_weights, formats);
  const double routed_params =
      double(f.experts) * expert_params(f, sc.model.hidden, f.intermediate);
  sc.routed_bytes_per_layer = routed_params * bytes_per_element(l.expert_weights);
  sc.other_weight_bytes = (count_parameters(sc.model).total() - sc.moe_layers * routed_params) *
                          bytes_per_element(sc.weights);
  l.routing = uniform_routing(l.experts, l.top_k);
  sc.routing_name = "uniform";
  if (t.has("routing")) {
    StrictTable r = t.table("routing", {"distribution", "zipf_s"});
    const std::string kind = r.text("distribution", {"uniform", "zipf"});
    if (kind == "uniform" && r.has("zipf_s"))
      r.fail("zipf_s", "zipf_s applies to distribution = \"zipf\" only");
    if (kind == "zipf") {
      const double s = r.number_or("zipf_s", 1.0, 0, 10);
      l.routing = zipf_routing(l.experts, l.top_k, s);
      char name[64];
      std::snprintf(name, sizeof name, "zipf(s=%g)", s);
      sc.routing_name = name;
    }
  }
}

EpDeployment read_deployment(const std::string& file, const toml::node& n,
                             const ExpertParallelScenario& sc) {
  if (!n.is_table()) throw Error(where(file, n), "[[deployment]] entries must be tables");
  StrictTable t(file, *n.as_table(), "[[deployment]]",
                {"hardware", "nodes", "gpus_per_node", "label"});
  EpDeployment d;
  d.hardware_path =
      resolve_model_file(t.text("hardware"), "hardware", file, t.location_of("hardware"));
  d.hardware = load_hardware_profile(d.hardware_path);
  d.placement.nodes = static_cast<int>(t.integer_or("nodes", 1, 1));
  d.placement.gpus_per_node = static_cast<int>(t.integer("gpus_per_node", 1));
  const int ranks = d.placement.ranks();
  if (sc.layer.experts % ranks != 0)
    t.fail("gpus_per_node",
           std::to_string(ranks) + " ranks do not divide the " + std::to_string(sc.layer.experts) +
               " routed experts of " + sc.model.id,
           "use a rank count that divides the experts");
  try {
    expert_parallel_link(d.hardware, d.placement);
  } catch (const Error& e) {
    t.fail(d.placement.nodes > 1 ? "nodes" : "gpus_per_node", e.what());
  }
  char label[128];
  if (d.placement.nodes == 1)
    std::snprintf(label, sizeof label, "%dx %s", ranks, d.hardware.id.c_str());
  else
    std::snprintf(label, sizeof label, "%dx %s (%d nodes x %d)", ranks, d.hardware.id.c_str(),
                  d.placement.nodes, d.placement.gpus_per_node);
  d.label = t.text_or("label", label);
  return d;
}

std::string fixed(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace

ExpertParallelScenario load_expert_parallel_scenario(const std::string& path) {
  toml::table doc = parse_toml_file(path);
  StrictTable root(path, doc, "expert-parallel model scenario",
                   {"kind", "scenario", "model", "expert_parallel", "deployment"});
  root.text("kind", {"model"});
  ExpertParallelScenario sc;
  sc.path = path;
  const ScenarioHeader header = read_scenario_header(root, path);
  sc.name = header.name;
  sc.description = header.description;
  StrictTable model = root.table("model", {"preset"});
  sc.model_path =
      resolve_model_file(model.text("preset"), "presets", path, model.location_of("preset"));
  sc.model = load_model_preset(sc.model_path);
  const FfnBlock& f = moe_block(sc.model, model, sc.moe_layers);
  read_layer(root, sc, f);
  const toml::array& deployments = root.array("deployment");
  if (deployments.empty())
    root.fail("deployment", "no [[deployment]] to predict",
              "add [[deployment]] with hardware = \"h100-sxm\" and gpus_per_node = 8");
  for (auto&& n : deployments) sc.deployments.push_back(read_deployment(path, n, sc));
  return sc;
}

std::vector<EpDeploymentResult> run_expert_parallel(const ExpertParallelScenario& sc) {
  std::vector<EpDeploymentResult> out;
  for (const auto& d : sc.deployments) {
    EpDeploymentResult r;
    r.deployment = d;
    r.layer = estimate_expert_parallel(sc.layer, d.hardware, d.placement);
    r.step_s = r.layer.total_s * sc.moe_layers;
    r.expert_bytes_per_rank = sc.routed_bytes_per_layer * sc.moe_layers / d.placement.ranks();
    r.weight_bytes_per_rank = r.expert_bytes_per_rank + sc.other_weight_bytes;
    r.capacity_bytes = d.hardware.main_memory().capacity_bytes;
    r.weights_fit = r.weight_bytes_per_rank <= r.capacity_bytes;
    out.push_back(std::move(r));
  }
  return out;
}

void print_expert_parallel(const ExpertParallelScenario& sc,
                           const std::vector<EpDeploymentResult>& results, std::ostream& out) {
  const ExpertParallelLayer& l = sc.layer;
  char line[512];
  out << "# " << sc.name << ": " << sc.model.name << ", " << l.experts << " routed experts top-"
      << l.top_k << ", hidden " << l.hidden << ", expert width " << l.expert_ffn << ", "
      << sc.moe_layers << " MoE layers\n";
  out << "# " << l.tokens_per_rank << " tokens per rank, routing " << sc.routing_name
      << "; dispatch " << l.dispatch_format << ", combine " << l.combine_format << ", experts "
      << l.expert_weights << ", other weights " << sc.weights << ", activations " << l.activations
      << "\n";
  out << "# per MoE layer, microseconds; imbal = busiest rank's rows / mean rows; weights/rank = "
         "its routed experts + a copy of all other weights (no KV cache)\n";
  std::snprintf(line, sizeof line, "%-26s %5s %6s %8s %8s %8s %8s %9s %8s %9s %9s %9s  %-18s %s\n",
                "deployment", "ranks", "imbal", "router", "permute", "counts", "dispatch",
                "experts", "combine", "unpermute", "layer", "step ms", "weights GB/rank", "fabric");
  out << line;
  for (const auto& r : results) {
    const auto& e = r.layer;
    auto us = [&](const char* phase) { return e.phase(phase).seconds * 1e6; };
    const std::string memory =
        fixed("%.1f", r.weight_bytes_per_rank * 1e-9) +
        (r.weights_fit ? " fits" : " > " + fixed("%.0f", r.capacity_bytes * 1e-9));
    std::snprintf(
        line, sizeof line,
        "%-26s %5d %6.3f %8.2f %8.2f %8.2f %8.2f %9.2f %8.2f %9.2f %9.1f %9.3f  %-18s %s\n",
        r.deployment.label.c_str(), e.ranks, e.imbalance, us("router"), us("permute"),
        us("count_exchange"), us("dispatch"), us("expert_ffn"), us("combine"), us("unpermute"),
        e.total_s * 1e6, r.step_s * 1e3, memory.c_str(), e.link.name.c_str());
    out << line;
  }
  out << "\nstep ms = layer x " << sc.moe_layers
      << " MoE layers (routed experts only: attention, shared experts and dense layers are not "
         "in it). Phases add with no overlap; all-to-alls run at the slowest fabric the ranks "
         "span; roofline times are uncalibrated datasheet peaks.\n";
}

nlohmann::json expert_parallel_to_json(const ExpertParallelScenario& sc,
                                       const std::vector<EpDeploymentResult>& results) {
  const ExpertParallelLayer& l = sc.layer;
  nlohmann::json j;
  j["schema"] = kExpertParallelSchema;
  j["schema_version"] = kExpertParallelSchemaVersion;
  j["scenario"] = {{"path", sc.path}, {"name", sc.name}, {"description", sc.description}};
  j["model"] = {{"id", sc.model.id},
                {"name", sc.model.name},
                {"preset_path", sc.model_path},
                {"config_source", sc.model.config_source},
                {"moe_layers", sc.moe_layers}};
  j["layer"] = {{"hidden", l.hidden},
                {"expert_ffn", l.expert_ffn},
                {"experts", l.experts},
                {"top_k", l.top_k},
                {"gated", l.gated},
                {"tokens_per_rank", l.tokens_per_rank},
                {"activations", l.activations},
                {"dispatch", l.dispatch_format},
                {"combine", l.combine_format},
                {"expert_weights", l.expert_weights},
                {"routing", sc.routing_name},
                {"weights", sc.weights}};
  j["deployments"] = nlohmann::json::array();
  for (const auto& r : results) {
    const auto& e = r.layer;
    nlohmann::json phases = nlohmann::json::array();
    for (const auto& p : e.phases)
      phases.push_back({{"name", p.name},
                        {"seconds", p.seconds},
                        {"low_s", p.low_s},
                        {"high_s", p.high_s},
                        {"bound", p.bound},
                        {"network_bytes", p.network_bytes},
                        {"network_s", p.network_s},
                        {"flops", p.work.flops()},
                        {"bytes_dram", p.work.bytes_dram}});
    j["deployments"].push_back({{"label", r.deployment.label},
                                {"hardware",
                                 {{"id", r.deployment.hardware.id},
                                  {"name", r.deployment.hardware.name},
                                  {"path", r.deployment.hardware_path}}},
                                {"nodes", r.deployment.placement.nodes},
                                {"gpus_per_node", r.deployment.placement.gpus_per_node},
                                {"ranks", e.ranks},
                                {"link",
                                 {{"name", e.link.name},
                                  {"bandwidth_per_direction", e.link.bandwidth},
                                  {"latency_s", e.link.latency_s}}},
                                {"local_experts", e.local_experts},
                                {"mean_rank_rows", e.mean_rank_rows},
                                {"busiest_rank_rows", e.busiest_rank_rows},
                                {"imbalance", e.imbalance},
                                {"touched_local_experts", e.touched_local_experts},
                                {"phases", phases},
                                {"layer_s", e.total_s},
                                {"layer_low_s", e.low_s},
                                {"layer_high_s", e.high_s},
                                {"step_s", r.step_s},
                                {"memory",
                                 {{"expert_bytes_per_rank", r.expert_bytes_per_rank},
                                  {"weight_bytes_per_rank", r.weight_bytes_per_rank},
                                  {"capacity_bytes", r.capacity_bytes},
                                  {"weights_fit", r.weights_fit}}}});
  }
  return j;
}

int predict_expert_parallel_scenario(const std::string& path, const std::string& json_out,
                                     std::ostream& out) {
  const ExpertParallelScenario sc = load_expert_parallel_scenario(path);
  const auto results = run_expert_parallel(sc);
  print_expert_parallel(sc, results, out);
  if (!json_out.empty()) {
    write_file_atomically(json_out, expert_parallel_to_json(sc, results).dump(1) + "\n");
    out << "wrote " << json_out << "\n";
  }
  return 0;
}

}  // namespace moat::model
