#pragma once
// Reading user-supplied JSON with errors that name the file and the JSON path ($.cases[3].id),
// and line:col for syntax errors.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace moat::reports {

// Reads and parses a whole file; syntax errors become moat::Error "file:line:col: error: ...".
nlohmann::json read_json_file(const std::string& path);
nlohmann::json parse_json_text(const std::string& text, const std::string& name);

// 1-based line and column of the 0-based byte offset in text (columns count bytes).
std::pair<int, int> line_and_column(const std::string& text, std::size_t offset);

// A node of a document together with its file and path, for typed access with precise errors.
class JsonNode {
 public:
  JsonNode(const nlohmann::json& node, std::string file, std::string path = "$")
      : node_(&node), file_(std::move(file)), path_(std::move(path)) {}

  const nlohmann::json& raw() const { return *node_; }
  const std::string& path() const { return path_; }
  bool is_null() const { return node_->is_null(); }

  JsonNode at(const std::string& key) const;                   // required member
  std::optional<JsonNode> find(const std::string& key) const;  // absent or null -> nullopt
  JsonNode at(std::size_t index) const;
  std::vector<JsonNode> items() const;  // requires an array

  std::string string() const;
  double number() const;
  bool boolean() const;

  std::optional<std::string> optional_string(const std::string& key) const;
  std::optional<double> optional_number(const std::string& key) const;

  [[noreturn]] void fail(const std::string& message) const;

 private:
  const nlohmann::json* node_;
  std::string file_;
  std::string path_;
};

// "string", "number", ... for messages.
std::string json_type_name(const nlohmann::json& j);

}  // namespace moat::reports
