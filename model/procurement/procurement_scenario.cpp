#include "model/procurement/procurement_scenario.hpp"

#include <filesystem>

#include "core/error.hpp"
#include "model/number_format.hpp"
#include "model/toml_strict.hpp"

#ifndef MOAT_SOURCE_DIR
#define MOAT_SOURCE_DIR "."
#endif

namespace moat::model {

namespace fs = std::filesystem;

std::string resolve_model_file(const std::string& ref, const std::string& folder,
                               const std::string& scenario_path, const SourceLocation& where) {
  const fs::path scenario_dir = fs::path(scenario_path).parent_path();
  std::vector<fs::path> tries;
  if (ref.find('/') != std::string::npos || fs::path(ref).extension() == ".toml") {
    tries = {scenario_dir / ref, fs::path(ref)};
  } else {
    const std::string file = ref + ".toml";
    tries = {scenario_dir / ".." / "model" / folder / file, fs::path("model") / folder / file,
             fs::path(MOAT_SOURCE_DIR) / "model" / folder / file};
  }
  for (const auto& p : tries)
    if (fs::is_regular_file(p)) return p.lexically_normal().string();
  std::string known;
  const fs::path catalog = fs::path(MOAT_SOURCE_DIR) / "model" / folder;
  if (fs::is_directory(catalog))
    for (const auto& e : fs::directory_iterator(catalog))
      if (e.path().extension() == ".toml")
        known += (known.empty() ? "" : ", ") + e.path().stem().string();
  throw Error(where, "cannot find '" + ref + "' (looked in model/" + folder + "/)",
              known.empty() ? "give a path to the .toml file" : "known ids: " + known);
}

namespace {

const std::vector<std::string>& formats() { return number_format_names(); }

Workload read_workload(const StrictTable& root) {
  StrictTable t = root.table("workload", {"phase", "batch", "context", "weights", "expert_weights",
                                          "kv_cache", "activations", "memory_reserve", "routing"});
  Workload w;
  w.phase = t.text("phase", {"prefill", "decode"});
  w.batch = static_cast<int>(t.integer("batch", 1));
  w.context = static_cast<int>(t.integer("context", 1));
  w.weights = t.text_or("weights", "bf16", formats());
  w.expert_weights = t.text_or("expert_weights", "", formats());
  w.kv_cache = t.text_or("kv_cache", "bf16", formats());
  w.activations = t.text_or("activations", "bf16", {"fp32", "bf16", "fp16"});
  w.memory_reserve = t.number_or("memory_reserve", 0, 0, 0.9);
  if (t.has("routing")) {
    StrictTable r = t.table("routing", {"distribution", "zipf_s"});
    w.routing.distribution = r.text("distribution", {"uniform", "zipf"});
    w.routing.zipf_s = r.number_or("zipf_s", 1.0, 0, 10);
    if (w.routing.distribution == "uniform" && r.has("zipf_s"))
      r.fail("zipf_s", "zipf_s applies to distribution = \"zipf\" only");
  }
  return w;
}

Economics read_economics(const StrictTable& root, std::string& rank_by) {
  Economics e;
  if (!root.has("economics")) return e;
  StrictTable t = root.table("economics", {"cost_basis", "years", "usd_per_kwh", "pue", "rank_by"});
  e.cost_basis = t.text_or("cost_basis", "rental", {"rental", "ownership"});
  rank_by = t.text_or("rank_by", rank_by, {"usd_per_mtok", "tokens_per_s", "joules_per_token"});
  if (e.cost_basis == "ownership") {
    e.years = t.number("years", 0.1, 30);
    e.usd_per_kwh = t.number("usd_per_kwh", 0, 10);
    e.pue = t.number_or("pue", 1.0, 1.0, 5.0);
  } else {
    for (const char* k : {"years", "usd_per_kwh", "pue"})
      if (t.has(k))
        t.fail(k, "'" + std::string(k) + "' applies to cost_basis = \"ownership\" only",
               "remove it, or set cost_basis = \"ownership\"");
  }
  return e;
}

SensitivitySpec read_sensitivity(const StrictTable& root) {
  SensitivitySpec s;
  if (!root.has("sensitivity")) return s;
  StrictTable t = root.table("sensitivity", {"bandwidth", "flops", "price"});
  s.bandwidth = t.number_or("bandwidth", 0, 0, 0.9);
  s.flops = t.number_or("flops", 0, 0, 0.9);
  s.price = t.number_or("price", 0, 0, 0.9);
  return s;
}

Candidate read_candidate(const std::string& file, const toml::node& n, const ProcurementScenario& sc) {
  if (!n.is_table()) throw Error(where(file, n), "[[candidate]] entries must be tables");
  StrictTable t(file, *n.as_table(), "[[candidate]]",
                {"hardware", "gpus", "tp", "ep", "pp", "dp", "label"});
  Candidate c;
  const std::string ref = t.text("hardware");
  c.hardware_path = resolve_model_file(ref, "hardware", file, t.location_of("hardware"));
  c.hardware = load_hardware_profile(c.hardware_path);
  const int gpus = static_cast<int>(t.integer("gpus", 1));
  c.plan.tp = static_cast<int>(t.integer_or("tp", gpus, 1));
  c.plan.ep = static_cast<int>(t.integer_or("ep", 1, 1));
  c.plan.pp = static_cast<int>(t.integer_or("pp", 1, 1));
  c.plan.dp = static_cast<int>(t.integer_or("dp", 1, 1));
  if (c.plan.devices() != gpus)
    t.fail("gpus", "gpus = " + std::to_string(gpus) + " but tp*pp*dp = " +
                       std::to_string(c.plan.devices()),
           "set tp, pp and dp so that their product is the device count");
  if (c.plan.ep > c.plan.tp * c.plan.dp)
    t.fail("ep", "ep exceeds the tp*dp devices of a pipeline stage");
  if (c.plan.ep > 1 && !sc.model.is_moe())
    t.fail("ep", "ep > 1 needs a mixture-of-experts model; " + sc.model.id + " has no experts");
  c.label = t.text_or("label", std::to_string(gpus) + "x " + c.hardware.id + " (" + c.plan.str() + ")");
  return c;
}

}  // namespace

ProcurementScenario load_procurement_scenario(const std::string& path) {
  toml::table doc = parse_toml_file(path);
  StrictTable root(path, doc, "model scenario",
                   {"kind", "scenario", "model", "workload", "economics", "sensitivity", "candidate"});
  if (root.text("kind", {"model"}) != "model")
    root.fail("kind", "not a model scenario");
  ProcurementScenario sc;
  sc.path = path;
  const ScenarioHeader header = read_scenario_header(root, path);
  sc.name = header.name;
  sc.description = header.description;
  StrictTable model = root.table("model", {"preset"});
  sc.model_path = resolve_model_file(model.text("preset"), "presets", path, model.location_of("preset"));
  sc.model = load_model_preset(sc.model_path);
  sc.workload = read_workload(root);
  sc.economics = read_economics(root, sc.rank_by);
  sc.sensitivity = read_sensitivity(root);
  const toml::array& cands = root.array("candidate");
  if (cands.empty())
    root.fail("candidate", "no [[candidate]] machines to compare",
              "add [[candidate]] with hardware = \"h100-sxm\" and gpus = 8");
  for (auto&& n : cands) sc.candidates.push_back(read_candidate(path, n, sc));
  if (sc.economics.cost_basis == "ownership")
    for (std::size_t i = 0; i < sc.candidates.size(); ++i)
      if (sc.candidates[i].hardware.price.purchase_usd <= 0 ||
          sc.candidates[i].hardware.tdp_watts <= 0)
        throw Error(where(path, *cands.get(i)),
                    "'" + sc.candidates[i].hardware.id +
                        "' has no purchase price or TDP, which ownership cost needs",
                    "add [price] purchase_usd and [power] tdp_watts to its profile, or use "
                    "cost_basis = \"rental\"");
  return sc;
}

}  // namespace moat::model
