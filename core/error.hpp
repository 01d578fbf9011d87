#pragma once
// Errors carry where they came from (file:line:col or the offending flag) so the CLI can print
// one precise line and exit non-zero.
#include <stdexcept>
#include <string>

namespace moat {

struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const {
    if (file.empty()) return {};
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  Error(const SourceLocation& where, const std::string& message, const std::string& hint = {})
      : std::runtime_error(compose(where, message, hint)) {}

 private:
  static std::string compose(const SourceLocation& where, const std::string& message,
                             const std::string& hint) {
    std::string text = where.str().empty() ? message : where.str() + ": error: " + message;
    if (!hint.empty()) text += "\n  hint: " + hint;
    return text;
  }
};

}  // namespace moat
