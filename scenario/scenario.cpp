#include "scenario/scenario.hpp"

#include <algorithm>
#include <sstream>
#include <toml++/toml.h>

namespace moat {

namespace {

SourceLocation loc_of(const std::string& file, const toml::source_region& r) {
  return {file, int(r.begin.line), int(r.begin.column)};
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// "did you mean X?" for the closest candidate within a small edit distance.
std::string suggest(const std::string& got, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = 4;
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(got, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best.empty() ? "allowed: " + join(candidates) : "did you mean '" + best + "'?";
}

class Parser {
 public:
  explicit Parser(std::string path) : path_(std::move(path)) {}

  SourceLocation at(const toml::node& n) const { return loc_of(path_, n.source()); }
  SourceLocation at(const toml::key& k) const { return loc_of(path_, k.source()); }

  void only_keys(const toml::table& t, const std::vector<std::string>& allowed,
                 const std::string& where) const {
    for (auto&& [k, v] : t) {
      if (std::find(allowed.begin(), allowed.end(), std::string(k.str())) == allowed.end())
        throw Error(at(k), "unknown key '" + std::string(k.str()) + "' in " + where,
                    suggest(std::string(k.str()), allowed));
    }
  }

  const toml::table& table_at(const toml::node& n, const std::string& what) const {
    if (const auto* t = n.as_table()) return *t;
    throw Error(at(n), what + " must be a table");
  }

  std::string string_at(const toml::node& n, const std::string& what) const {
    if (auto s = n.value<std::string>()) return *s;
    throw Error(at(n), what + " must be a string", "write " + what + " = \"...\"");
  }

  static std::string type_name(const toml::node& n) {
    std::ostringstream os;
    os << n.type();
    return os.str();
  }

  ParamValue value_for(const ParamSpec& spec, const toml::node& n) const {
    ParamValue v;
    if (n.is_integer())
      v = std::int64_t(n.as_integer()->get());
    else if (n.is_floating_point())
      v = n.as_floating_point()->get();
    else if (n.is_boolean())
      v = n.as_boolean()->get();
    else if (n.is_string())
      v = n.as_string()->get();
    else
      throw Error(at(n), "parameter '" + spec.name + "' needs a " + to_string(spec.type) +
                             " value, got " + type_name(n));
    if (auto why = spec.problem_with(v); !why.empty()) {
      std::string hint = spec.doc;
      if (spec.type == ParamType::integer && type_of(v) == ParamType::text)
        hint = "write a number without quotes, e.g. " + spec.name + " = [128]";
      throw Error(at(n), why, hint);
    }
    if (spec.type == ParamType::real && type_of(v) == ParamType::integer)
      v = double(std::get<std::int64_t>(v));
    return v;
  }

  const ParamSpec& param_spec(const VariantSpec& vs, const toml::key& k) const {
    for (const auto& p : vs.params)
      if (p.name == k.str()) return p;
    std::vector<std::string> names;
    for (const auto& p : vs.params) names.push_back(p.name);
    throw Error(at(k), "variant '" + vs.name + "' has no parameter '" + std::string(k.str()) + "'",
                suggest(std::string(k.str()), names));
  }

  // A table of `name = [values]` (axes) or `name = value` (fixed) against the variant schema.
  // toml++ tables iterate in key order; axes keep the order of the file (first = slowest).
  static std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(
      const toml::table& t) {
    std::vector<std::pair<const toml::key*, const toml::node*>> items;
    for (auto&& [k, v] : t) items.push_back({&k, &v});
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
      const auto& x = a.first->source().begin;
      const auto& y = b.first->source().begin;
      return x.line != y.line ? x.line < y.line : x.column < y.column;
    });
    return items;
  }

  void read_axes(const VariantSpec& vs, const toml::table& t, bool lists,
                 std::vector<std::pair<std::string, AxisValues>>& out,
                 const std::string& where) const {
    for (auto [kp, vp] : in_file_order(t)) {
      const toml::key& k = *kp;
      const toml::node& v = *vp;
      const ParamSpec& spec = param_spec(vs, k);
      AxisValues values;
      if (const auto* arr = v.as_array()) {
        if (!lists)
          throw Error(at(v), "'" + spec.name + "' in " + where + " takes a single value",
                      "move it to [sweep.axes] to sweep it");
        if (arr->empty()) throw Error(at(v), "axis '" + spec.name + "' has no values");
        for (auto&& item : *arr) values.push_back({value_for(spec, item), at(item)});
      } else {
        if (lists)
          throw Error(at(v), "axis '" + spec.name + "' must be a list of values",
                      "write " + spec.name + " = [" + toml_literal(v) + "] or put it in [sweep.fixed]");
        values.push_back({value_for(spec, v), at(v)});
      }
      auto it = std::find_if(out.begin(), out.end(), [&](auto& p) { return p.first == spec.name; });
      if (it != out.end())
        throw Error(at(k), "parameter '" + spec.name + "' is given twice (axes and fixed)");
      out.push_back({spec.name, std::move(values)});
    }
  }

  static std::string toml_literal(const toml::node& n) {
    if (auto s = n.value<std::string>()) return *s;
    if (auto i = n.value<std::int64_t>()) return std::to_string(*i);
    return "...";
  }

  Sweep read_sweep(const toml::table& t, const SourceLocation& where) const {
    only_keys(t, {"variant", "dtype", "implementations", "axes", "fixed", "presets", "skip"},
              "[[sweep]]");
    Sweep sw;
    sw.where = where;
    const toml::node* vnode = t.get("variant");
    if (!vnode) throw Error(where, "[[sweep]] needs a 'variant'", "see `moat list` for names");
    std::string name = string_at(*vnode, "variant");
    sw.spec = find_variant_spec(name);
    if (!sw.spec) {
      std::vector<std::string> names;
      for (const auto& v : variant_specs()) names.push_back(v.name);
      throw Error(at(*vnode), "unknown variant '" + name + "'", suggest(name, names));
    }
    if (const toml::node* d = t.get("dtype")) {
      const auto* arr = d->as_array();
      if (!arr || arr->empty()) throw Error(at(*d), "'dtype' must be a non-empty list", "dtype = [\"fp32\"]");
      sw.dtypes.clear();
      for (auto&& item : *arr) {
        auto s = item.value<std::string>();
        auto dt = s ? parse_dtype(*s) : std::nullopt;
        if (!dt) throw Error(at(item), "unknown dtype", "use fp32, fp64, bf16 or fp16");
        if (std::find(sw.spec->dtypes.begin(), sw.spec->dtypes.end(), *dt) == sw.spec->dtypes.end()) {
          std::vector<std::string> ok;
          for (auto x : sw.spec->dtypes) ok.push_back(to_string(x));
          throw Error(at(item), "variant '" + name + "' does not support dtype " + *s,
                      "supported: " + join(ok));
        }
        sw.dtypes.push_back(*dt);
      }
    }
    if (const toml::node* im = t.get("implementations")) {
      const auto* arr = im->as_array();
      if (!arr || arr->empty())
        throw Error(at(*im), "'implementations' must be a non-empty list", "implementations = [\"moat\"]");
      sw.implementations.clear();
      for (auto&& item : *arr) sw.implementations.push_back(string_at(item, "implementation"));
    }
    if (const toml::node* a = t.get("axes")) read_axes(*sw.spec, table_at(*a, "[sweep.axes]"), true, sw.axes, "[sweep.axes]");
    if (const toml::node* f = t.get("fixed")) read_axes(*sw.spec, table_at(*f, "[sweep.fixed]"), false, sw.axes, "[sweep.fixed]");
    if (const toml::node* p = t.get("presets")) {
      const auto& presets = table_at(*p, "[sweep.presets]");
      for (auto&& [k, v] : presets) {
        std::string pname(k.str());
        if (std::find(preset_names().begin(), preset_names().end(), pname) == preset_names().end())
          throw Error(at(k), "unknown preset '" + pname + "'", suggest(pname, preset_names()));
        std::vector<std::pair<std::string, AxisValues>> overrides;
        const auto& pt = table_at(v, "[sweep.presets." + pname + "]");
        for (auto&& [ak, av] : pt) {
          const ParamSpec& spec = param_spec(*sw.spec, ak);
          AxisValues values;
          if (const auto* arr = av.as_array()) {
            if (arr->empty()) throw Error(at(av), "preset axis '" + spec.name + "' has no values");
            for (auto&& item : *arr) values.push_back({value_for(spec, item), at(item)});
          } else {
            values.push_back({value_for(spec, av), at(av)});
          }
          sw.presets[pname][spec.name] = std::move(values);
        }
      }
    }
    if (const toml::node* s = t.get("skip")) {
      const auto* arr = s->as_array();
      if (!arr) throw Error(at(*s), "'skip' must be an array of tables", "use [[sweep.skip]]");
      for (auto&& item : *arr) {
        const auto& st = table_at(item, "[[sweep.skip]]");
        only_keys(st, {"when", "reason"}, "[[sweep.skip]]");
        const toml::node* when = st.get("when");
        const toml::node* reason = st.get("reason");
        if (!when || !reason)
          throw Error(at(item), "[[sweep.skip]] needs 'when' and 'reason'");
        sw.skips.push_back(parse_skip_rule(string_at(*when, "when"), string_at(*reason, "reason"),
                                           at(*when), sw.spec->params));
      }
    }
    return sw;
  }

  Scenario parse() {
    toml::table root;
    try {
      root = toml::parse_file(path_);
    } catch (const toml::parse_error& e) {
      throw Error(loc_of(path_, e.source()), std::string(e.description()));
    }
    only_keys(root, {"kind", "scenario", "timing", "sweep"}, "the scenario file");
    Scenario sc;
    sc.path = path_;
    if (const toml::node* k = root.get("kind")) {
      std::string kind = string_at(*k, "kind");
      if (kind != "kernels")
        throw Error(at(*k), "this file has kind = '" + kind + "', not a kernel scenario",
                    kind == "model" ? "use `moat predict` for model scenarios" : "kind = \"kernels\"");
    }
    if (const toml::node* s = root.get("scenario")) {
      const auto& t = table_at(*s, "[scenario]");
      only_keys(t, {"name", "description"}, "[scenario]");
      if (const toml::node* n = t.get("name")) sc.name = string_at(*n, "name");
      if (const toml::node* d = t.get("description")) sc.description = string_at(*d, "description");
    }
    if (sc.name.empty()) {
      auto slash = path_.find_last_of('/');
      sc.name = path_.substr(slash == std::string::npos ? 0 : slash + 1);
      if (auto dot = sc.name.rfind('.'); dot != std::string::npos) sc.name.resize(dot);
    }
    if (const toml::node* tn = root.get("timing")) {
      const auto& t = table_at(*tn, "[timing]");
      only_keys(t, {"repetitions", "min_time_s", "warmup_runs", "cache"}, "[timing]");
      TimingOptions o;
      if (const toml::node* n = t.get("repetitions")) {
        auto v = n->value<std::int64_t>();
        if (!v || *v < 1 || *v > 1000)
          throw Error(at(*n), "'repetitions' must be an integer from 1 to 1000");
        o.repetitions = int(*v);
      }
      if (const toml::node* n = t.get("min_time_s")) {
        auto v = n->value<double>();
        if (!v || *v <= 0 || *v > 60) throw Error(at(*n), "'min_time_s' must be a number in (0, 60]");
        o.min_time_s = *v;
      }
      if (const toml::node* n = t.get("warmup_runs")) {
        auto v = n->value<std::int64_t>();
        if (!v || *v < 0 || *v > 1000) throw Error(at(*n), "'warmup_runs' must be an integer from 0 to 1000");
        o.warmup_runs = int(*v);
      }
      if (const toml::node* n = t.get("cache")) {
        o.cache = string_at(*n, "cache");
        if (o.cache != "warm" && o.cache != "cold")
          throw Error(at(*n), "'cache' must be \"warm\" or \"cold\"");
      }
      sc.timing = o;
    }
    const toml::node* sweeps = root.get("sweep");
    if (!sweeps) throw Error(SourceLocation{path_, 1, 1}, "no [[sweep]] in the scenario");
    const auto* arr = sweeps->as_array();
    if (!arr) throw Error(at(*sweeps), "'sweep' must be an array of tables", "use [[sweep]]");
    for (auto&& item : *arr) sc.sweeps.push_back(read_sweep(table_at(item, "[[sweep]]"), at(item)));
    return sc;
  }

 private:
  std::string path_;
};

}  // namespace

Scenario load_scenario(const std::string& path) { return Parser(path).parse(); }

std::string scenario_kind(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw Error(loc_of(path, e.source()), std::string(e.description()));
  }
  return root["kind"].value_or(std::string("kernels"));
}

std::pair<std::string, std::vector<std::string>> parse_axis_flag(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw Error("--axis '" + text + "': expected name=v1,v2,...");
  std::pair<std::string, std::vector<std::string>> out{text.substr(0, eq), {}};
  std::string rest = text.substr(eq + 1);
  std::size_t start = 0;
  while (true) {
    auto comma = rest.find(',', start);
    std::string item = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) throw Error("--axis '" + text + "': empty value");
    out.second.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace moat
