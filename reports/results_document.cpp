#include "reports/results_document.hpp"

#include <map>

#include "core/error.hpp"
#include "reports/json_input.hpp"

namespace moat::reports {

namespace {

RunInfo parse_run(const JsonNode& run) {
  RunInfo info;
  info.environment.host_cpu = run.at("host").at("cpu").string();
  info.environment.hardware_profile_id = run.at("hardware_profile").at("id").string();
  info.environment.execution_space = run.at("kokkos").at("execution_space").string();
  info.environment.build_type = run.at("build").at("type").string();
  if (auto device = run.find("device")) info.environment.device_name = device->at("name").string();
  info.hardware_profile_path = run.at("hardware_profile").optional_string("path").value_or("");
  info.started_at = run.at("started_at").string();
  info.command = run.optional_string("command").value_or("");
  if (auto scenario = run.find("scenario")) {
    info.scenario_name = scenario->optional_string("name").value_or("");
    info.preset = scenario->optional_string("preset").value_or("");
  }
  if (auto scenarios = run.find("scenarios")) {  // one run may cover several scenario files
    for (const auto& s : scenarios->items()) {
      const std::string name = s.optional_string("name").value_or("");
      info.scenario_name += (info.scenario_name.empty() ? "" : " + ") + name;
      if (info.preset.empty()) info.preset = s.optional_string("preset").value_or("");
    }
  }
  const JsonNode git = run.at("git");
  info.git_sha = git.at("sha").string();
  if (auto dirty = git.find("dirty")) info.git_dirty = dirty->boolean();
  info.hostname = run.at("host").optional_string("hostname").value_or("");
  info.compiler = run.at("build").optional_string("compiler").value_or("");
  return info;
}

std::vector<double> parse_samples(const JsonNode& samples) {
  std::vector<double> out;
  for (const auto& s : samples.items()) {
    const double v = s.number();
    if (!(v > 0)) s.fail("sample times must be positive seconds");
    out.push_back(v);
  }
  if (out.empty()) samples.fail("an ok case needs at least one sample");
  return out;
}

CaseRecord parse_case(const JsonNode& c) {
  CaseRecord r;
  r.id = c.at("id").string();
  if (r.id.empty()) c.at("id").fail("case id must not be empty");
  r.name = c.optional_string("name").value_or(r.id);
  r.variant = c.optional_string("variant").value_or("");
  r.implementation = c.optional_string("implementation").value_or("");
  r.dtype = c.optional_string("dtype").value_or("");
  r.status = c.at("status").string();
  if (r.status != "ok" && r.status != "wrong_result" && r.status != "skipped" &&
      r.status != "error")
    c.at("status").fail("unknown status '" + r.status +
                        "' (expected ok, wrong_result, skipped or error)");
  r.reason = c.optional_string("reason").value_or("");
  r.repro = c.optional_string("repro").value_or("");
  if (auto params = c.find("params")) {
    if (!params->raw().is_object()) params->fail("expected an object");
    r.params = params->raw();
  }
  if (r.ok()) r.samples_s = parse_samples(c.at("samples_s"));
  if (auto summary = c.find("summary")) {
    r.ci_low_s = summary->optional_number("ci_low_s");
    r.ci_high_s = summary->optional_number("ci_high_s");
  }
  if (auto n = c.optional_number("instructions")) {
    if (!(*n > 0)) c.at("instructions").fail("instruction count must be positive");
    r.instructions = n;
  }
  if (auto work = c.find("work")) {
    const auto matrix = work->optional_number("flops_matrix");
    const auto vector = work->optional_number("flops_vector");
    if (matrix || vector) r.flops = matrix.value_or(0) + vector.value_or(0);
    r.bytes_dram = work->optional_number("bytes_dram");
  }
  if (auto prediction = c.find("prediction")) {
    r.predicted_s = prediction->optional_number("seconds");
    r.predicted_bound = prediction->optional_string("bound");
  }
  r.measured_over_predicted = c.optional_number("measured_over_predicted");
  return r;
}

}  // namespace

const CaseRecord* ResultsDocument::find_case(const std::string& id) const {
  for (const auto& c : cases)
    if (c.id == id) return &c;
  return nullptr;
}

std::string ResultsDocument::label(const CaseRecord& c, bool always_dtype) const {
  if (variety_.cases != cases.size() || cases.empty()) {
    variety_ = {cases.size(), false, false};
    for (const auto& other : cases) {
      variety_.implementations |= other.implementation != cases.front().implementation;
      variety_.dtypes |= other.dtype != cases.front().dtype;
    }
  }
  std::string name = c.name.empty() ? c.id : c.name;
  if (variety_.dtypes || always_dtype)
    name += " [" + (c.dtype.empty() ? std::string("fp32") : c.dtype) + "]";
  if (variety_.implementations) name += " (" + c.implementation + ")";
  return name;
}

ResultsDocument parse_results_document(const nlohmann::json& doc, const std::string& file) {
  const JsonNode root(doc, file);
  const std::string schema = root.at("schema").string();
  if (schema != kResultsSchema)
    root.at("schema").fail("expected \"" + std::string(kResultsSchema) + "\", got \"" + schema +
                           "\" (is this a moat run results file?)");
  const double version = root.at("schema_version").number();
  if (version != kResultsSchemaVersion)
    root.at("schema_version")
        .fail("unsupported version " + root.at("schema_version").raw().dump() +
              " (this moat reads " + std::to_string(kResultsSchemaVersion) + ")");
  ResultsDocument out;
  out.file = file;
  out.status = root.at("status").string();
  if (out.status != "complete" && out.status != "running")
    root.at("status").fail("expected \"complete\" or \"running\", got \"" + out.status + "\"");
  out.run = parse_run(root.at("run"));
  std::map<std::string, std::string> seen;  // id -> path of its first occurrence
  for (const auto& c : root.at("cases").items()) {
    CaseRecord record = parse_case(c);
    auto [it, inserted] = seen.emplace(record.id, c.path());
    if (!inserted)
      c.at("id").fail("duplicate case id '" + record.id + "' (first at " + it->second + ")");
    out.cases.push_back(std::move(record));
  }
  return out;
}

ResultsDocument load_results_document(const std::string& path) {
  return parse_results_document(read_json_file(path), path);
}

}  // namespace moat::reports
