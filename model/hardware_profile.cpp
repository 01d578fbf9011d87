#include "model/hardware_profile.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "model/toml_strict.hpp"

namespace moat::model {

const std::vector<std::string>& extra_compute_formats() {
  static const std::vector<std::string> names = {"fp8", "fp4", "int8"};
  return names;
}

ComputeRates HardwareProfile::rates_for(DType t) const {
  if (auto it = compute.find(t); it != compute.end()) return it->second;
  if (auto it = compute.find(DType::fp32); it != compute.end()) return it->second;
  return {};  // none: callers that need a rate check for zero (predict_roofline throws)
}

ComputeRates HardwareProfile::rates_for_format(const std::string& format) const {
  if (auto dt = parse_dtype(format)) return rates_for(*dt);
  if (auto it = formats.find(format); it != formats.end()) return it->second;
  if (format == "fp4") return rates_for_format("fp8");
  if (format == "int8" || format == "fp8") return rates_for(DType::bf16);
  throw Error("unknown number format '" + format + "'");
}

const Interconnect* HardwareProfile::scale_up() const {
  for (const auto& i : interconnects)
    if (i.scope == "node") return &i;
  return nullptr;
}

const Interconnect* HardwareProfile::scale_out() const {
  for (const auto& i : interconnects)
    if (i.scope == "cluster") return &i;
  return nullptr;
}

int HardwareProfile::devices_per_node() const {
  const Interconnect* up = scale_up();
  return up ? up->gpus_per_domain : 1;
}

namespace {

// Reads `key` of `t` when present, recording its source under `field`.
double read_sourced(const StrictTable& t, std::string_view key, const std::string& field,
                    HardwareProfile& p, double fallback = 0) {
  auto s = t.optional_sourced(key);
  if (!s) return fallback;
  if (s->value < 0) t.fail(key, "'" + field + "' must not be negative");
  if (!s->source.empty()) p.sources[field] = s->source;
  return s->value;
}

ComputeRates read_rates(const StrictTable& t, const std::string& prefix, HardwareProfile& p) {
  ComputeRates r;
  r.matrix_flops = read_sourced(t, "matrix_flops", prefix + "matrix_flops", p);
  r.vector_flops = read_sourced(t, "vector_flops", prefix + "vector_flops", p);
  if (r.matrix_flops == 0) r.matrix_flops = r.vector_flops;
  if (r.matrix_flops == 0) t.fail("matrix_flops", t.context() + " needs matrix_flops or vector_flops");
  return r;
}

void read_compute(const StrictTable& root, HardwareProfile& p) {
  const toml::table* compute = root.optional_table("compute");
  if (!compute) return;
  const std::string& path = root.file();
  for (auto&& [k, v] : *compute) {
    const std::string name(k.str());
    const auto& extras = extra_compute_formats();
    auto dt = parse_dtype(name);
    bool extra = std::find(extras.begin(), extras.end(), name) != extras.end();
    if (!dt && !extra)
      throw Error(where(path, v), "unknown number format '" + name + "' under [compute]",
                  "use fp64, fp32, bf16, fp16, fp8, fp4 or int8");
    if (!v.is_table()) throw Error(where(path, v), "[compute." + name + "] must be a table");
    StrictTable t(path, *v.as_table(), "[compute." + name + "]", {"matrix_flops", "vector_flops"});
    ComputeRates r = read_rates(t, "compute." + name + ".", p);
    if (dt)
      p.compute[*dt] = r;
    else
      p.formats[name] = r;
  }
}

void read_memory(const StrictTable& root, HardwareProfile& p) {
  const toml::array* mem = root.optional_array("memory");
  if (!mem) return;
  for (auto&& level : *mem) {
    if (!level.is_table()) throw Error(where(root.file(), level), "[[memory]] entries must be tables");
    StrictTable t(root.file(), *level.as_table(), "[[memory]]", {"name", "capacity_bytes", "bandwidth"});
    MemoryLevel m;
    m.name = t.text_or("name", "mem");
    m.capacity_bytes = read_sourced(t, "capacity_bytes", "memory." + m.name + ".capacity_bytes", p);
    m.bandwidth = read_sourced(t, "bandwidth", "memory." + m.name + ".bandwidth", p);
    if (m.bandwidth <= 0)
      throw Error(t.location(), "memory level '" + m.name + "' needs a positive bandwidth");
    p.memory.push_back(m);
  }
}

void read_interconnects(const StrictTable& root, HardwareProfile& p) {
  const toml::array* links = root.optional_array("interconnect");
  if (!links) return;
  for (auto&& entry : *links) {
    if (!entry.is_table())
      throw Error(where(root.file(), entry), "[[interconnect]] entries must be tables");
    StrictTable t(root.file(), *entry.as_table(), "[[interconnect]]",
                  {"name", "scope", "topology", "bandwidth_per_direction", "latency_s",
                   "gpus_per_domain"});
    Interconnect ic;
    ic.name = t.text("name");
    ic.scope = t.text("scope", {"node", "cluster"});
    ic.topology = t.text_or("topology", "switch", {"switch", "full_mesh"});
    const std::string prefix = "interconnect." + ic.name + ".";
    ic.bandwidth_per_direction =
        read_sourced(t, "bandwidth_per_direction", prefix + "bandwidth_per_direction", p);
    if (ic.bandwidth_per_direction <= 0)
      t.fail("bandwidth_per_direction", "interconnect '" + ic.name + "' needs a positive bandwidth_per_direction",
             "bytes/s per device in one direction, e.g. { value = 450e9, source = \"...\" }");
    ic.latency_s = read_sourced(t, "latency_s", prefix + "latency_s", p);
    ic.gpus_per_domain = static_cast<int>(t.integer_or("gpus_per_domain", 1, 1));
    if (ic.scope == "node" && p.scale_up())
      t.fail("scope", "a profile has at most one \"node\"-scope interconnect",
             "describe the scale-up fabric once; scale-out networks use scope = \"cluster\"");
    p.interconnects.push_back(ic);
  }
}

void read_calibration(const StrictTable& root, HardwareProfile& p) {
  if (!root.has("calibration")) return;
  StrictTable t = root.table("calibration", {"fitted_from", "cases", "spread", "fitted_min_s",
                                             "fitted_max_s", "efficiency", "family", "curve"});
  Calibration& c = p.calibration;
  c.fitted_from = t.text_or("fitted_from", "");
  c.cases = static_cast<int>(t.integer_or("cases", 0, 0));
  c.spread = t.number_or("spread", 0, 0);
  c.fitted_min_s = t.number_or("fitted_min_s", 0, 0);
  c.fitted_max_s = t.number_or("fitted_max_s", 0, 0);
  auto read_fractions = [&](const StrictTable& f, std::map<std::string, double>& out) {
    for (const char* bound : {"compute", "memory", "special", "latency"})
      if (f.has(bound)) out[bound] = f.number(bound, 1e-6, 10.0);
  };
  if (t.has("efficiency"))
    read_fractions(t.table("efficiency", {"compute", "memory", "special", "latency"}),
                   c.efficiency_by_bound);
  if (const toml::table* fam = t.optional_table("family")) {
    for (auto&& [k, v] : *fam) {
      if (!v.is_table())
        throw Error(where(root.file(), v), "[calibration.family.\"" + std::string(k.str()) +
                                               "\"] must be a table");
      StrictTable f(root.file(), *v.as_table(), "[calibration.family]",
                    {"compute", "memory", "special", "latency"});
      read_fractions(f, c.efficiency_by_family[std::string(k.str())]);
    }
  }
  if (t.has("curve")) {
    StrictTable curves = t.table("curve", {"family", "variant", "path"});
    auto read_curves = [&](const char* level, std::map<std::string, EfficiencyCurve>& out) {
      const toml::table* group = curves.optional_table(level);
      if (!group) return;
      for (auto&& [k, v] : *group) {
        const std::string key(k.str());
        if (!v.is_table())
          throw Error(where(root.file(), v), "[calibration.curve." + std::string(level) + ".\"" +
                                                 key + "\"] must be a table");
        StrictTable f(root.file(), *v.as_table(),
                      "[calibration.curve." + std::string(level) + ".\"" + key + "\"]",
                      {"ln_efficiency", "slope", "center", "x_min", "x_max", "cases", "spread"});
        EfficiencyCurve curve;
        curve.ln_efficiency = f.number("ln_efficiency", -14.0, 3.0);
        curve.slope = f.number_or("slope", 0, -10.0, 10.0);
        curve.center = f.number("center", -12.0, 6.0);
        curve.x_min = f.number_or("x_min", curve.center, -12.0, 6.0);
        curve.x_max = f.number_or("x_max", curve.center, -12.0, 6.0);
        if (curve.x_min > curve.x_max)
          f.fail("x_min", "x_min <= x_max is required",
                 "[x_min, x_max] is the fitted range of log10(roofline body seconds)");
        curve.cases = static_cast<int>(f.integer_or("cases", 0, 0));
        curve.spread = f.number_or("spread", 0, 0);
        out[key] = curve;
      }
    };
    read_curves("family", c.curve_by_family);
    read_curves("variant", c.curve_by_variant);
    read_curves("path", c.curve_by_path);
  }
}

}  // namespace

HardwareProfile load_hardware_profile(const std::string& path) {
  toml::table doc = parse_toml_file(path);
  StrictTable root(path, doc, "hardware profile",
                   {"id", "name", "kind", "provenance", "compute", "special_ops_per_s", "memory",
                    "launch_latency_s", "interconnect", "power", "price", "notes", "calibration"});
  HardwareProfile p;
  p.id = root.text_or("id", std::filesystem::path(path).stem().string());
  p.name = root.text_or("name", p.id);
  p.kind = root.text_or("kind", "cpu", {"cpu", "gpu", "accelerator"});
  p.provenance = root.text_or("provenance", "datasheet", {"datasheet", "measured", "mixed"});
  p.notes = root.text_or("notes", "");
  read_compute(root, p);
  // A format given only its matrix rate does its elementwise work at the fp32 vector rate (or the
  // matrix rate without one): elementwise work is never free.
  const double fp32_vector = p.compute.count(DType::fp32) ? p.compute[DType::fp32].vector_flops : 0;
  for (auto& [dt, r] : p.compute)
    if (r.vector_flops == 0) r.vector_flops = fp32_vector > 0 ? fp32_vector : r.matrix_flops;
  for (auto& [name, r] : p.formats)
    if (r.vector_flops == 0) r.vector_flops = fp32_vector > 0 ? fp32_vector : r.matrix_flops;
  if (p.compute.empty() && p.formats.empty())
    throw Error(SourceLocation{path, 1, 1}, "hardware profile has no [compute.<format>] table",
                "add [compute.fp32] with matrix_flops and vector_flops");
  p.special_ops_per_s = read_sourced(root, "special_ops_per_s", "special_ops_per_s", p);
  p.launch_latency_s = read_sourced(root, "launch_latency_s", "launch_latency_s", p);
  read_memory(root, p);
  if (p.memory.empty())
    throw Error(SourceLocation{path, 1, 1}, "hardware profile has no [[memory]] levels",
                "add [[memory]] with name, capacity_bytes and bandwidth (main memory last)");
  read_interconnects(root, p);
  if (root.has("power")) {
    StrictTable power = root.table("power", {"tdp_watts"});
    p.tdp_watts = read_sourced(power, "tdp_watts", "power.tdp_watts", p);
  }
  if (root.has("price")) {
    StrictTable price = root.table("price", {"usd_per_hour", "purchase_usd"});
    p.price.usd_per_hour = read_sourced(price, "usd_per_hour", "price.usd_per_hour", p);
    p.price.purchase_usd = read_sourced(price, "purchase_usd", "price.purchase_usd", p);
  }
  read_calibration(root, p);
  return p;
}

namespace {

// A TOML basic string. (Written by hand: streaming toml::value<std::string> trips GCC 12's
// -Warray-bounds inside toml++ at -O3.)
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(ch));
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

class ProfileWriter {
 public:
  explicit ProfileWriter(const HardwareProfile& p) : p_(p) { os_ << std::setprecision(6); }
  void text(const std::string& key, const std::string& v) {
    os_ << key << " = " << quoted(v) << "\n";
  }
  void num(const std::string& key, double v, const std::string& field) {
    os_ << key << " = { value = " << std::scientific << v << std::defaultfloat;
    if (auto it = p_.sources.find(field); it != p_.sources.end())
      os_ << ", source = " << quoted(it->second);
    os_ << " }\n";
  }
  void plain(const std::string& key, double v) { os_ << key << " = " << v << "\n"; }
  std::ostream& raw() { return os_; }
  std::string str() const { return os_.str(); }

 private:
  const HardwareProfile& p_;
  std::ostringstream os_;
};

void write_calibration(const Calibration& c, ProfileWriter& w) {
  if (c.empty()) return;
  w.raw() << "\n# Attained fraction of the roofline, fitted by moat from measured results.\n"
          << "[calibration]\n";
  w.text("fitted_from", c.fitted_from);
  w.raw() << "cases = " << c.cases << "\n";
  w.plain("spread", c.spread);
  w.plain("fitted_min_s", c.fitted_min_s);
  w.plain("fitted_max_s", c.fitted_max_s);
  if (!c.efficiency_by_bound.empty()) {
    w.raw() << "\n[calibration.efficiency]\n";
    for (const auto& [bound, f] : c.efficiency_by_bound) w.plain(bound, f);
  }
  for (const auto& [family, fractions] : c.efficiency_by_family) {
    w.raw() << "\n[calibration.family." << quoted(family) << "]\n";
    for (const auto& [bound, f] : fractions) w.plain(bound, f);
  }
  auto curves = [&](const char* level, const std::map<std::string, EfficiencyCurve>& m) {
    for (const auto& [key, cv] : m) {
      w.raw() << "\n[calibration.curve." << level << "." << quoted(key) << "]\n";
      w.raw() << std::setprecision(9);
      w.plain("ln_efficiency", cv.ln_efficiency);
      w.plain("slope", cv.slope);
      w.plain("center", cv.center);
      w.plain("x_min", cv.x_min);
      w.plain("x_max", cv.x_max);
      w.raw() << std::setprecision(6);
      w.raw() << "cases = " << cv.cases << "\n";
      w.plain("spread", cv.spread);
    }
  };
  if (!c.curve_by_family.empty() || !c.curve_by_variant.empty() || !c.curve_by_path.empty())
    w.raw() << "\n# Efficiency curves: ln(efficiency) = ln_efficiency + slope * (x - center),\n"
            << "# x = log10(roofline body seconds) clamped to [x_min, x_max] (docs/model.md).\n";
  curves("family", c.curve_by_family);
  curves("variant", c.curve_by_variant);
  curves("path", c.curve_by_path);
}

}  // namespace

void save_hardware_profile(const HardwareProfile& p, const std::string& path) {
  ProfileWriter w(p);
  w.raw() << "# Written by moat; numbers marked 'measured' come from moat calibrate on this machine.\n";
  w.text("id", p.id);
  w.text("name", p.name);
  w.text("kind", p.kind);
  w.text("provenance", p.provenance);
  if (!p.notes.empty()) w.text("notes", p.notes);
  w.num("special_ops_per_s", p.special_ops_per_s, "special_ops_per_s");
  w.num("launch_latency_s", p.launch_latency_s, "launch_latency_s");
  auto rates = [&](const std::string& name, const ComputeRates& r) {
    w.raw() << "\n[compute." << name << "]\n";
    w.num("matrix_flops", r.matrix_flops, "compute." + name + ".matrix_flops");
    w.num("vector_flops", r.vector_flops, "compute." + name + ".vector_flops");
  };
  for (const auto& [dt, r] : p.compute) rates(to_string(dt), r);
  for (const auto& [name, r] : p.formats) rates(name, r);
  for (const auto& m : p.memory) {
    w.raw() << "\n[[memory]]\n";
    w.text("name", m.name);
    w.num("capacity_bytes", m.capacity_bytes, "memory." + m.name + ".capacity_bytes");
    w.num("bandwidth", m.bandwidth, "memory." + m.name + ".bandwidth");
  }
  for (const auto& ic : p.interconnects) {
    const std::string prefix = "interconnect." + ic.name + ".";
    w.raw() << "\n[[interconnect]]\n";
    w.text("name", ic.name);
    w.text("scope", ic.scope);
    w.text("topology", ic.topology);
    w.num("bandwidth_per_direction", ic.bandwidth_per_direction, prefix + "bandwidth_per_direction");
    w.num("latency_s", ic.latency_s, prefix + "latency_s");
    w.raw() << "gpus_per_domain = " << ic.gpus_per_domain << "\n";
  }
  if (p.tdp_watts > 0) {
    w.raw() << "\n[power]\n";
    w.num("tdp_watts", p.tdp_watts, "power.tdp_watts");
  }
  if (p.price.usd_per_hour > 0 || p.price.purchase_usd > 0) {
    w.raw() << "\n[price]\n";
    if (p.price.usd_per_hour > 0) w.num("usd_per_hour", p.price.usd_per_hour, "price.usd_per_hour");
    if (p.price.purchase_usd > 0) w.num("purchase_usd", p.price.purchase_usd, "price.purchase_usd");
  }
  write_calibration(p.calibration, w);

  write_file_atomically(path, w.str());
}

}  // namespace moat::model
