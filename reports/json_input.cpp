#include "reports/json_input.hpp"

#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace moat::reports {

std::pair<int, int> line_and_column(const std::string& text, std::size_t offset) {
  int line = 1;
  int column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

nlohmann::json parse_json_text(const std::string& text, const std::string& name) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the 1-based count of bytes read when the error was detected, i.e. it points at
    // the offending character (0-based offset byte - 1).
    const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    const auto [line, column] = line_and_column(text, offset);
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix.
    if (auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    throw Error(SourceLocation{name, line, column}, "invalid JSON: " + what);
  }
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": error: cannot open file for reading");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(path + ": error: read failed");
  return parse_json_text(text.str(), path);
}

std::string json_type_name(const nlohmann::json& j) {
  if (j.is_number()) return "number";
  return j.type_name();
}

void JsonNode::fail(const std::string& message) const {
  throw Error(file_ + ": error: " + path_ + ": " + message);
}

JsonNode JsonNode::at(const std::string& key) const {
  if (!node_->is_object()) fail("expected an object, got " + json_type_name(*node_));
  auto it = node_->find(key);
  if (it == node_->end()) fail("missing required field '" + key + "'");
  return JsonNode(*it, file_, path_ + "." + key);
}

std::optional<JsonNode> JsonNode::find(const std::string& key) const {
  if (!node_->is_object()) fail("expected an object, got " + json_type_name(*node_));
  auto it = node_->find(key);
  if (it == node_->end() || it->is_null()) return std::nullopt;
  return JsonNode(*it, file_, path_ + "." + key);
}

JsonNode JsonNode::at(std::size_t index) const {
  if (!node_->is_array()) fail("expected an array, got " + json_type_name(*node_));
  if (index >= node_->size()) fail("index " + std::to_string(index) + " out of range");
  return JsonNode((*node_)[index], file_, path_ + "[" + std::to_string(index) + "]");
}

std::vector<JsonNode> JsonNode::items() const {
  if (!node_->is_array()) fail("expected an array, got " + json_type_name(*node_));
  std::vector<JsonNode> out;
  out.reserve(node_->size());
  for (std::size_t i = 0; i < node_->size(); ++i)
    out.emplace_back((*node_)[i], file_, path_ + "[" + std::to_string(i) + "]");
  return out;
}

std::string JsonNode::string() const {
  if (!node_->is_string()) fail("expected a string, got " + json_type_name(*node_));
  return node_->get<std::string>();
}

double JsonNode::number() const {
  if (!node_->is_number()) fail("expected a number, got " + json_type_name(*node_));
  return node_->get<double>();
}

bool JsonNode::boolean() const {
  if (!node_->is_boolean()) fail("expected true or false, got " + json_type_name(*node_));
  return node_->get<bool>();
}

std::optional<std::string> JsonNode::optional_string(const std::string& key) const {
  if (auto n = find(key)) return n->string();
  return std::nullopt;
}

std::optional<double> JsonNode::optional_number(const std::string& key) const {
  if (auto n = find(key)) return n->number();
  return std::nullopt;
}

}  // namespace moat::reports
