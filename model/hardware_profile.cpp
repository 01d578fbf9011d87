#include "model/hardware_profile.hpp"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <toml++/toml.h>

#include "core/error.hpp"

namespace moat::model {

ComputeRates HardwareProfile::rates_for(DType t) const {
  if (auto it = compute.find(t); it != compute.end()) return it->second;
  if (auto it = compute.find(DType::fp32); it != compute.end()) return it->second;
  return {};
}

namespace {

SourceLocation where(const std::string& file, const toml::node& n) {
  return {file, static_cast<int>(n.source().begin.line), static_cast<int>(n.source().begin.column)};
}

// A number, or { value = number, source = "..." }. Records the source under `field`.
double read_number(const std::string& file, const toml::node& n, const std::string& field,
                    std::map<std::string, std::string>& sources) {
  if (auto v = n.value<double>()) return *v;
  if (const auto* t = n.as_table()) {
    const toml::node* value = t->get("value");
    if (!value || !value->value<double>())
      throw Error(where(file, n), "'" + field + "' needs a numeric 'value'",
                  "write " + field + " = { value = 1.0e12, source = \"datasheet p.3\" }");
    if (const toml::node* src = t->get("source"))
      if (auto s = src->value<std::string>()) sources[field] = *s;
    for (auto&& [k, _] : *t)
      if (k.str() != "value" && k.str() != "source")
        throw Error(where(file, n), "unknown key '" + std::string(k.str()) + "' in '" + field + "'",
                    "allowed: value, source");
    return *value->value<double>();
  }
  throw Error(where(file, n), "'" + field + "' must be a number");
}

void reject_unknown(const std::string& file, const toml::table& t,
                    std::initializer_list<std::string_view> allowed, const std::string& ctx) {
  for (auto&& [k, v] : t) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k.str();
    if (!ok) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw Error(where(file, v), "unknown key '" + std::string(k.str()) + "' in " + ctx,
                  "allowed keys: " + list);
    }
  }
}

}  // namespace

HardwareProfile load_hardware_profile(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    SourceLocation loc{path, static_cast<int>(e.source().begin.line),
                       static_cast<int>(e.source().begin.column)};
    throw Error(loc, std::string(e.description()));
  }
  HardwareProfile p;
  p.id = std::filesystem::path(path).stem().string();
  reject_unknown(path, root,
                 {"id", "name", "kind", "provenance", "compute", "special_ops_per_s", "memory",
                  "launch_latency_s", "interconnect", "power", "price", "notes", "calibration"},
                 "hardware profile");
  if (auto v = root["id"].value<std::string>()) p.id = *v;
  p.name = root["name"].value_or(p.id);
  p.kind = root["kind"].value_or(std::string("cpu"));
  p.provenance = root["provenance"].value_or(std::string("datasheet"));
  if (const auto* compute = root["compute"].as_table()) {
    for (auto&& [k, v] : *compute) {
      auto dt = parse_dtype(k.str());
      if (!dt)
        throw Error(where(path, v), "unknown dtype '" + std::string(k.str()) + "' under [compute]",
                    "use fp64, fp32, bf16 or fp16");
      const auto* t = v.as_table();
      if (!t) throw Error(where(path, v), "[compute." + std::string(k.str()) + "] must be a table");
      reject_unknown(path, *t, {"matrix_flops", "vector_flops"},
                     "[compute." + std::string(k.str()) + "]");
      ComputeRates r;
      std::string prefix = "compute." + std::string(k.str()) + ".";
      if (const auto* n = t->get("matrix_flops"))
        r.matrix_flops = read_number(path, *n, prefix + "matrix_flops", p.sources);
      if (const auto* n = t->get("vector_flops"))
        r.vector_flops = read_number(path, *n, prefix + "vector_flops", p.sources);
      if (r.matrix_flops == 0) r.matrix_flops = r.vector_flops;
      p.compute[*dt] = r;
    }
  }
  if (p.compute.empty())
    throw Error(SourceLocation{path, 1, 1}, "hardware profile has no [compute.<dtype>] table");
  if (const auto* n = root.get("special_ops_per_s"))
    p.special_ops_per_s = read_number(path, *n, "special_ops_per_s", p.sources);
  if (const auto* n = root.get("launch_latency_s"))
    p.launch_latency_s = read_number(path, *n, "launch_latency_s", p.sources);
  if (const auto* mem = root["memory"].as_array()) {
    for (auto&& level : *mem) {
      const auto* t = level.as_table();
      if (!t) throw Error(where(path, level), "[[memory]] entries must be tables");
      reject_unknown(path, *t, {"name", "capacity_bytes", "bandwidth"}, "[[memory]]");
      MemoryLevel m;
      m.name = (*t)["name"].value_or(std::string("mem"));
      if (const auto* n = t->get("capacity_bytes"))
        m.capacity_bytes = read_number(path, *n, "memory." + m.name + ".capacity_bytes", p.sources);
      if (const auto* n = t->get("bandwidth"))
        m.bandwidth = read_number(path, *n, "memory." + m.name + ".bandwidth", p.sources);
      if (m.bandwidth <= 0)
        throw Error(where(path, level), "memory level '" + m.name + "' needs a positive bandwidth");
      p.memory.push_back(m);
    }
  }
  if (p.memory.empty())
    throw Error(SourceLocation{path, 1, 1}, "hardware profile has no [[memory]] levels");
  return p;
}

void save_hardware_profile(const HardwareProfile& p, const std::string& path) {
  std::ostringstream os;
  os << std::setprecision(6);
  auto num = [&](const std::string& key, double v, const std::string& field) {
    os << key << " = { value = " << std::scientific << v << std::defaultfloat;
    if (auto it = p.sources.find(field); it != p.sources.end())
      os << ", source = " << toml::value<std::string>(it->second);
    os << " }\n";
  };
  os << "# Written by moat; numbers marked 'measured' come from moat calibrate on this machine.\n";
  os << "id = " << toml::value<std::string>(p.id) << "\n";
  os << "name = " << toml::value<std::string>(p.name) << "\n";
  os << "kind = " << toml::value<std::string>(p.kind) << "\n";
  os << "provenance = " << toml::value<std::string>(p.provenance) << "\n";
  num("special_ops_per_s", p.special_ops_per_s, "special_ops_per_s");
  num("launch_latency_s", p.launch_latency_s, "launch_latency_s");
  for (const auto& [dt, r] : p.compute) {
    os << "\n[compute." << to_string(dt) << "]\n";
    num("matrix_flops", r.matrix_flops, "compute." + to_string(dt) + ".matrix_flops");
    num("vector_flops", r.vector_flops, "compute." + to_string(dt) + ".vector_flops");
  }
  for (const auto& m : p.memory) {
    os << "\n[[memory]]\nname = " << toml::value<std::string>(m.name) << "\n";
    num("capacity_bytes", m.capacity_bytes, "memory." + m.name + ".capacity_bytes");
    num("bandwidth", m.bandwidth, "memory." + m.name + ".bandwidth");
  }
  std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    if (!f) throw Error("cannot write hardware profile '" + path + "'");
    f << os.str();
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace moat::model
