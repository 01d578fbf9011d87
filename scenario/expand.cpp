#include <algorithm>

#include "scenario/scenario.hpp"

namespace moat {

namespace {

std::string case_name(const VariantSpec& spec, const Params& p) {
  return spec.name + "?" + p.key(&spec.params);
}

}  // namespace

std::vector<Case> expand_cases(const Scenario& s, const ExpandOptions& opts) {
  if (!opts.preset.empty() &&
      std::find(preset_names().begin(), preset_names().end(), opts.preset) == preset_names().end())
    throw Error("--preset '" + opts.preset + "': unknown preset (smoke, ci, full)");
  std::vector<Case> cases;
  std::vector<bool> override_used(opts.axis_overrides.size(), false);
  for (const Sweep& sw : s.sweeps) {
    auto axes = sw.axes;
    if (!opts.preset.empty()) {
      if (auto it = sw.presets.find(opts.preset); it != sw.presets.end()) {
        for (const auto& [name, values] : it->second) {
          auto a = std::find_if(axes.begin(), axes.end(), [&](auto& x) { return x.first == name; });
          if (a != axes.end())
            a->second = values;
          else
            axes.push_back({name, values});
        }
      }
    }
    for (std::size_t o = 0; o < opts.axis_overrides.size(); ++o) {
      const auto& [name, texts] = opts.axis_overrides[o];
      const ParamSpec* spec = nullptr;
      for (const auto& p : sw.spec->params) spec = p.name == name ? &p : spec;
      if (!spec) continue;
      override_used[o] = true;
      AxisValues values;
      for (const auto& t : texts) {
        ParamValue v;
        try {
          v = parse_param_literal(*spec, t);
        } catch (const Error& e) {
          throw Error(std::string("--axis ") + name + ": " + e.what());
        }
        if (auto why = spec->problem_with(v); !why.empty()) throw Error("--axis " + name + ": " + why);
        values.push_back({v, SourceLocation{"--axis", 0, 0}});
      }
      auto a = std::find_if(axes.begin(), axes.end(), [&](auto& x) { return x.first == name; });
      if (a != axes.end())
        a->second = values;
      else
        axes.push_back({name, values});
    }
    // Cartesian product, first axis slowest.
    std::vector<std::size_t> idx(axes.size(), 0);
    while (true) {  // one pass per point of the cartesian product
      std::map<std::string, ParamValue> given;
      for (std::size_t a = 0; a < axes.size(); ++a) given[axes[a].first] = axes[a].second[idx[a]].first;
      Params p;
      const SourceLocation& where = axes.empty() ? sw.where : axes.back().second[idx.back()].second;
      try {
        p = complete_params(sw.spec->params, given, "");
      } catch (const Error& e) {
        throw Error(sw.where, e.what(), "give the parameter in [sweep.fixed] or [sweep.axes]");
      }
      std::string skip;
      for (const auto& rule : sw.skips)
        if (skip.empty() && rule.matches(p)) skip = rule.reason;
      if (skip.empty()) {
        try {
          sw.spec->validate(p);
        } catch (const Error& e) {
          throw Error(where, "case " + case_name(*sw.spec, p) + " is invalid: " + e.what(),
                      "change the axis values or add a [[sweep.skip]] rule with a reason");
        }
      }
      for (DType dt : sw.dtypes) {
        for (const auto& impl : sw.implementations) {
          Case c{sw.spec, p, dt, impl, case_name(*sw.spec, p), skip, sw.where};
          if (opts.filter.empty() || c.name.find(opts.filter) != std::string::npos)
            cases.push_back(std::move(c));
        }
      }
      // Odometer step: advance the last axis, carrying into earlier ones.
      bool done = true;
      for (std::size_t a = axes.size(); a-- > 0;) {
        if (++idx[a] < axes[a].second.size()) {
          done = false;
          break;
        }
        idx[a] = 0;
      }
      if (done) break;
    }
  }
  for (std::size_t o = 0; o < opts.axis_overrides.size(); ++o)
    if (!override_used[o])
      throw Error("--axis " + opts.axis_overrides[o].first +
                  ": no sweep in the scenario has this parameter");
  return cases;
}

}  // namespace moat
