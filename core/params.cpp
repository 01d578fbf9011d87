#include "core/params.hpp"

#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace moat {

std::string to_string(ParamType t) {
  switch (t) {
    case ParamType::integer: return "int";
    case ParamType::real: return "real";
    case ParamType::boolean: return "bool";
    case ParamType::text: return "string";
  }
  return "?";
}

ParamType type_of(const ParamValue& v) {
  return static_cast<ParamType>(v.index());
}

std::string to_string(const ParamValue& v) {
  switch (type_of(v)) {
    case ParamType::integer: return std::to_string(std::get<std::int64_t>(v));
    case ParamType::real: {
      std::ostringstream os;
      os.precision(10);
      os << std::get<double>(v);
      return os.str();
    }
    case ParamType::boolean: return std::get<bool>(v) ? "true" : "false";
    case ParamType::text: return std::get<std::string>(v);
  }
  return {};
}

std::string ParamSpec::problem_with(const ParamValue& v) const {
  ParamType t = type_of(v);
  bool numeric_ok = (type == ParamType::real && t == ParamType::integer);
  if (t != type && !numeric_ok)
    return "parameter '" + name + "' expects " + to_string(type) + ", got " + to_string(t) +
           " '" + to_string(v) + "'";
  if (type == ParamType::integer || type == ParamType::real) {
    double x = t == ParamType::integer ? double(std::get<std::int64_t>(v)) : std::get<double>(v);
    if (!std::isfinite(x)) return "parameter '" + name + "' must be finite";
    if (min && x < *min)
      return "parameter '" + name + "' = " + to_string(v) + " is below its minimum " +
             to_string(ParamValue(*min));
    if (max && x > *max)
      return "parameter '" + name + "' = " + to_string(v) + " is above its maximum " +
             to_string(ParamValue(*max));
  }
  if (type == ParamType::text && !choices.empty()) {
    const auto& s = std::get<std::string>(v);
    bool found = false;
    for (const auto& c : choices) found = found || c == s;
    if (!found) {
      std::string list;
      for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
      return "parameter '" + name + "' = '" + s + "' is not one of: " + list;
    }
  }
  return {};
}

ParamSpec int_param(std::string name, std::string doc, std::optional<std::int64_t> dflt,
                    std::optional<double> min, std::optional<double> max) {
  ParamSpec p{std::move(name), ParamType::integer, std::move(doc), {}, min, max, {}};
  if (dflt) p.default_value = *dflt;
  return p;
}
ParamSpec real_param(std::string name, std::string doc, std::optional<double> dflt,
                     std::optional<double> min, std::optional<double> max) {
  ParamSpec p{std::move(name), ParamType::real, std::move(doc), {}, min, max, {}};
  if (dflt) p.default_value = *dflt;
  return p;
}
ParamSpec bool_param(std::string name, std::string doc, std::optional<bool> dflt) {
  ParamSpec p{std::move(name), ParamType::boolean, std::move(doc), {}, {}, {}, {}};
  if (dflt) p.default_value = *dflt;
  return p;
}
ParamSpec text_param(std::string name, std::string doc, std::vector<std::string> choices,
                     std::optional<std::string> dflt) {
  ParamSpec p{std::move(name), ParamType::text, std::move(doc), {}, {}, {}, std::move(choices)};
  if (dflt) p.default_value = *dflt;
  return p;
}

const ParamValue& Params::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw Error("internal: parameter '" + name + "' is not set");
  return it->second;
}
std::int64_t Params::i(const std::string& name) const {
  const auto& v = at(name);
  if (auto p = std::get_if<std::int64_t>(&v)) return *p;
  throw Error("internal: parameter '" + name + "' is not an integer");
}
double Params::r(const std::string& name) const {
  const auto& v = at(name);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return double(*p);
  throw Error("internal: parameter '" + name + "' is not a number");
}
bool Params::b(const std::string& name) const {
  const auto& v = at(name);
  if (auto p = std::get_if<bool>(&v)) return *p;
  throw Error("internal: parameter '" + name + "' is not a bool");
}
const std::string& Params::s(const std::string& name) const {
  const auto& v = at(name);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  throw Error("internal: parameter '" + name + "' is not a string");
}

std::string Params::key(const ParamSchema* schema) const {
  std::string out;
  auto add = [&](const std::string& n, const ParamValue& v) {
    out += (out.empty() ? "" : ",") + n + "=" + to_string(v);
  };
  if (schema) {
    for (const auto& spec : *schema)
      if (auto it = values_.find(spec.name); it != values_.end()) add(spec.name, it->second);
  } else {
    for (const auto& [n, v] : values_) add(n, v);
  }
  return out;
}

Params complete_params(const ParamSchema& schema, std::map<std::string, ParamValue> given,
                       const std::string& where) {
  std::string prefix = where.empty() ? "" : where + ": ";
  for (const auto& [name, value] : given) {
    const ParamSpec* spec = nullptr;
    for (const auto& s : schema) spec = s.name == name ? &s : spec;
    if (!spec) {
      std::string known;
      for (const auto& s : schema) known += (known.empty() ? "" : ", ") + s.name;
      throw Error(prefix + "unknown parameter '" + name + "' (known: " + known + ")");
    }
    if (auto why = spec->problem_with(value); !why.empty()) throw Error(prefix + why);
  }
  std::map<std::string, ParamValue> out;
  for (const auto& spec : schema) {
    auto it = given.find(spec.name);
    if (it != given.end()) {
      ParamValue v = it->second;
      if (spec.type == ParamType::real && type_of(v) == ParamType::integer)
        v = double(std::get<std::int64_t>(v));
      out[spec.name] = v;
    } else if (spec.default_value) {
      out[spec.name] = *spec.default_value;
    } else {
      throw Error(prefix + "required parameter '" + spec.name + "' is missing (" + spec.doc + ")");
    }
  }
  return Params(std::move(out));
}

ParamValue parse_param_literal(const ParamSpec& spec, const std::string& text) {
  auto fail = [&] {
    return Error("cannot read '" + text + "' as " + to_string(spec.type) + " for parameter '" +
                 spec.name + "'");
  };
  switch (spec.type) {
    case ParamType::integer: {
      std::size_t used = 0;
      long long v = 0;
      try {
        v = std::stoll(text, &used);
      } catch (...) {
        throw fail();
      }
      if (used != text.size()) throw fail();
      return std::int64_t(v);
    }
    case ParamType::real: {
      std::size_t used = 0;
      double v = 0;
      try {
        v = std::stod(text, &used);
      } catch (...) {
        throw fail();
      }
      if (used != text.size()) throw fail();
      return v;
    }
    case ParamType::boolean:
      if (text == "true" || text == "1") return true;
      if (text == "false" || text == "0") return false;
      throw fail();
    case ParamType::text: return text;
  }
  throw fail();
}

}  // namespace moat
