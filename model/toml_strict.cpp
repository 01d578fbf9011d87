#include "model/toml_strict.hpp"

#include <cmath>
#include <filesystem>
#include <sstream>

namespace moat::model {

SourceLocation where(const std::string& file, const toml::node& n) {
  return {file, static_cast<int>(n.source().begin.line), static_cast<int>(n.source().begin.column)};
}

toml::table parse_toml_file(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    SourceLocation loc{path, static_cast<int>(e.source().begin.line),
                       static_cast<int>(e.source().begin.column)};
    throw Error(loc, std::string(e.description()), "check the TOML syntax at this position");
  }
}

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string format_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

StrictTable::StrictTable(std::string file, const toml::table& table, std::string context,
                         std::initializer_list<std::string_view> allowed)
    : file_(std::move(file)), table_(&table), context_(std::move(context)) {
  for (auto&& [k, v] : table) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k.str();
    if (!ok) {
      std::vector<std::string> names(allowed.begin(), allowed.end());
      SourceLocation at{file_, static_cast<int>(k.source().begin.line),
                        static_cast<int>(k.source().begin.column)};
      if (at.line == 0) at = where(file_, v);
      throw Error(at, "unknown key '" + std::string(k.str()) + "' in " + context_,
                  "allowed keys: " + join(names));
    }
  }
}

SourceLocation StrictTable::location_of(std::string_view key) const {
  if (const toml::node* n = table_->get(key)) return where(file_, *n);
  return location();
}

std::string StrictTable::field(std::string_view key) const {
  return "'" + std::string(key) + "' in " + context_;
}

void StrictTable::fail(std::string_view key, const std::string& message,
                       const std::string& hint) const {
  throw Error(location_of(key), message, hint);
}

const toml::node& StrictTable::required(std::string_view key, const std::string& hint) const {
  const toml::node* n = table_->get(key);
  if (!n) throw Error(location(), "missing " + field(key), hint);
  return *n;
}

std::optional<Sourced> StrictTable::optional_sourced(std::string_view key) const {
  const toml::node* n = table_->get(key);
  if (!n) return std::nullopt;
  const std::string example =
      std::string(key) + " = { value = 1.0e12, source = \"vendor datasheet, page 2\" }";
  if (n->is_number()) return Sourced{*n->value<double>(), {}};
  if (const auto* t = n->as_table()) {
    StrictTable inner(file_, *t, field(key), {"value", "source"});
    const toml::node* value = t->get("value");
    if (!value || !value->is_number())
      throw Error(where(file_, *n), field(key) + " needs a numeric 'value'", "write " + example);
    Sourced s{*value->value<double>(), {}};
    if (const toml::node* src = t->get("source")) {
      if (!src->is_string())
        throw Error(where(file_, *src), "'source' of " + field(key) + " must be a string");
      s.source = *src->value<std::string>();
    }
    return s;
  }
  throw Error(where(file_, *n), field(key) + " must be a number", "write " + example);
}

Sourced StrictTable::sourced(std::string_view key) const {
  required(key, "add " + std::string(key) + " = { value = ..., source = \"...\" }");
  return *optional_sourced(key);
}

double StrictTable::number(std::string_view key, std::optional<double> min,
                           std::optional<double> max) const {
  required(key, "add " + std::string(key) + " = <number>");
  return number_or(key, 0, min, max);
}

double StrictTable::number_or(std::string_view key, double fallback, std::optional<double> min,
                              std::optional<double> max) const {
  auto s = optional_sourced(key);
  if (!s) return fallback;
  if (!std::isfinite(s->value)) fail(key, field(key) + " must be finite");
  if (min && s->value < *min)
    fail(key, field(key) + " is " + format_number(s->value) + ", below the minimum " +
                  format_number(*min));
  if (max && s->value > *max)
    fail(key, field(key) + " is " + format_number(s->value) + ", above the maximum " +
                  format_number(*max));
  return s->value;
}

std::int64_t StrictTable::integer(std::string_view key, std::int64_t min) const {
  required(key, "add " + std::string(key) + " = <integer>");
  return integer_or(key, 0, min);
}

std::int64_t StrictTable::integer_or(std::string_view key, std::int64_t fallback,
                                     std::int64_t min) const {
  const toml::node* n = table_->get(key);
  if (!n) return fallback;
  if (!n->is_integer())
    throw Error(where(file_, *n), field(key) + " must be an integer",
                "write " + std::string(key) + " = 64 (no quotes, no decimal point)");
  std::int64_t v = *n->value<std::int64_t>();
  if (v < min)
    throw Error(where(file_, *n),
                field(key) + " is " + std::to_string(v) + ", below the minimum " +
                    std::to_string(min));
  return v;
}

bool StrictTable::boolean_or(std::string_view key, bool fallback) const {
  const toml::node* n = table_->get(key);
  if (!n) return fallback;
  if (!n->is_boolean())
    throw Error(where(file_, *n), field(key) + " must be true or false");
  return *n->value<bool>();
}

std::string StrictTable::text(std::string_view key, const std::vector<std::string>& choices) const {
  required(key, choices.empty() ? "add " + std::string(key) + " = \"...\""
                                : "one of: " + join(choices));
  return text_or(key, {}, choices);
}

std::string StrictTable::text_or(std::string_view key, const std::string& fallback,
                                 const std::vector<std::string>& choices) const {
  const toml::node* n = table_->get(key);
  if (!n) return fallback;
  if (!n->is_string())
    throw Error(where(file_, *n), field(key) + " must be a string",
                choices.empty() ? "quote it" : "one of: " + join(choices));
  std::string v = *n->value<std::string>();
  if (!choices.empty()) {
    bool ok = false;
    for (const auto& c : choices) ok = ok || c == v;
    if (!ok)
      throw Error(where(file_, *n), "'" + v + "' is not a valid " + field(key),
                  "one of: " + join(choices));
  }
  return v;
}

const toml::table* StrictTable::optional_table(std::string_view key) const {
  const toml::node* n = table_->get(key);
  if (!n) return nullptr;
  if (!n->is_table())
    throw Error(where(file_, *n), field(key) + " must be a table",
                "write [" + std::string(key) + "] or " + std::string(key) + " = { ... }");
  return n->as_table();
}

StrictTable StrictTable::table(std::string_view key,
                               std::initializer_list<std::string_view> allowed) const {
  required(key, "add a [" + std::string(key) + "] table");
  return StrictTable(file_, *optional_table(key), "[" + std::string(key) + "]", allowed);
}

const toml::array* StrictTable::optional_array(std::string_view key) const {
  const toml::node* n = table_->get(key);
  if (!n) return nullptr;
  if (!n->is_array())
    throw Error(where(file_, *n), field(key) + " must be an array",
                "write " + std::string(key) + " = [ ... ] or [[" + std::string(key) + "]] tables");
  return n->as_array();
}

const toml::array& StrictTable::array(std::string_view key) const {
  required(key, "add [[" + std::string(key) + "]] entries");
  return *optional_array(key);
}

ScenarioHeader read_scenario_header(const StrictTable& root, const std::string& path) {
  ScenarioHeader h{std::filesystem::path(path).stem().string(), ""};
  if (root.has("scenario")) {
    StrictTable s = root.table("scenario", {"name", "description"});
    h.name = s.text_or("name", h.name);
    h.description = s.text_or("description", "");
  }
  return h;
}

}  // namespace moat::model
