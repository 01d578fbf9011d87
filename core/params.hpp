#pragma once
// Typed kernel parameters: each variant declares a schema; scenarios and the CLI produce values
// that are checked against it before anything runs.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace moat {

enum class ParamType { integer, real, boolean, text };
std::string to_string(ParamType t);

using ParamValue = std::variant<std::int64_t, double, bool, std::string>;
std::string to_string(const ParamValue& v);
ParamType type_of(const ParamValue& v);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::integer;
  std::string doc;
  std::optional<ParamValue> default_value;  // absent: the parameter is required
  std::optional<double> min;                // numeric bounds, inclusive
  std::optional<double> max;
  std::vector<std::string> choices;         // allowed values for text parameters

  // Empty when `v` is acceptable, otherwise a sentence saying why not.
  std::string problem_with(const ParamValue& v) const;
};

using ParamSchema = std::vector<ParamSpec>;

// Builders keep schema declarations one line per parameter.
ParamSpec int_param(std::string name, std::string doc, std::optional<std::int64_t> dflt = {},
                    std::optional<double> min = 1, std::optional<double> max = {});
ParamSpec real_param(std::string name, std::string doc, std::optional<double> dflt = {},
                     std::optional<double> min = {}, std::optional<double> max = {});
ParamSpec bool_param(std::string name, std::string doc, std::optional<bool> dflt = {});
ParamSpec text_param(std::string name, std::string doc, std::vector<std::string> choices,
                     std::optional<std::string> dflt = {});

// A complete, schema-checked set of values (defaults filled in).
class Params {
 public:
  Params() = default;
  explicit Params(std::map<std::string, ParamValue> values) : values_(std::move(values)) {}

  std::int64_t i(const std::string& name) const;
  double r(const std::string& name) const;  // integers widen to real
  bool b(const std::string& name) const;
  const std::string& s(const std::string& name) const;
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const std::map<std::string, ParamValue>& values() const { return values_; }
  void set(const std::string& name, ParamValue v) { values_[name] = std::move(v); }

  // "b=1,hq=32,causal=true" in schema order when a schema is given, else name order.
  std::string key(const ParamSchema* schema = nullptr) const;

 private:
  const ParamValue& at(const std::string& name) const;
  std::map<std::string, ParamValue> values_;
};

// Checks names, types and bounds; fills defaults. Throws moat::Error naming the parameter.
Params complete_params(const ParamSchema& schema, std::map<std::string, ParamValue> given,
                       const std::string& where);

// Parses a CLI-style literal ("12", "0.5", "true", "causal") as the schema's type for `spec`.
ParamValue parse_param_literal(const ParamSpec& spec, const std::string& text);

}  // namespace moat
