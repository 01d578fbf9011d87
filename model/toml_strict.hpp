#pragma once
// Strict reading of TOML tables for the model's files (hardware profiles, model presets, model
// scenarios): unknown keys, wrong types and out-of-range values throw moat::Error carrying
// file:line:col and a hint. One reader per table; the allowed keys are declared up front.
#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "model/sourced.hpp"  // numbers read as `{ value = 1e12, source = "..." }` or bare

namespace moat::model {

SourceLocation where(const std::string& file, const toml::node& n);

// Parses a file, turning toml++'s parse errors into moat::Error with the position.
toml::table parse_toml_file(const std::string& path);

class StrictTable {
 public:
  StrictTable(std::string file, const toml::table& table, std::string context,
              std::initializer_list<std::string_view> allowed);

  const std::string& file() const { return file_; }
  const std::string& context() const { return context_; }
  const toml::table& raw() const { return *table_; }
  SourceLocation location() const { return where(file_, *table_); }
  SourceLocation location_of(std::string_view key) const;
  bool has(std::string_view key) const { return table_->contains(key); }

  // Numbers accept integers and floats, bare or as { value, source }.
  Sourced sourced(std::string_view key) const;
  std::optional<Sourced> optional_sourced(std::string_view key) const;
  double number(std::string_view key, std::optional<double> min = {},
                std::optional<double> max = {}) const;
  double number_or(std::string_view key, double fallback, std::optional<double> min = {},
                   std::optional<double> max = {}) const;
  std::int64_t integer(std::string_view key, std::int64_t min = 0) const;
  std::int64_t integer_or(std::string_view key, std::int64_t fallback, std::int64_t min = 0) const;
  bool boolean_or(std::string_view key, bool fallback) const;
  std::string text(std::string_view key, const std::vector<std::string>& choices = {}) const;
  std::string text_or(std::string_view key, const std::string& fallback,
                      const std::vector<std::string>& choices = {}) const;
  StrictTable table(std::string_view key, std::initializer_list<std::string_view> allowed) const;
  const toml::table* optional_table(std::string_view key) const;  // type-checked when present
  const toml::array& array(std::string_view key) const;           // required
  const toml::array* optional_array(std::string_view key) const;

  [[noreturn]] void fail(std::string_view key, const std::string& message,
                         const std::string& hint = {}) const;

 private:
  const toml::node& required(std::string_view key, const std::string& hint) const;
  std::string field(std::string_view key) const;
  std::string file_;
  const toml::table* table_;
  std::string context_;
};

// A scenario file's optional [scenario] table: name (default: the file's stem) and description.
struct ScenarioHeader {
  std::string name;
  std::string description;
};
ScenarioHeader read_scenario_header(const StrictTable& root, const std::string& path);

}  // namespace moat::model
