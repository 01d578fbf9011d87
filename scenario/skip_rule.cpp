#include "scenario/skip_rule.hpp"

#include <cctype>
#include <cmath>

namespace moat {

namespace {

struct Token {
  std::string text;
  int column;  // 0-based offset in the expression
  bool quoted = false;
};

std::vector<Token> tokenize(const std::string& s, const SourceLocation& where) {
  std::vector<Token> out;
  std::size_t i = 0;
  auto loc = [&](std::size_t col) {
    return SourceLocation{where.file, where.line, where.column + 1 + int(col)};
  };
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '\'' || c == '"') {
      std::size_t end = s.find(c, i + 1);
      if (end == std::string::npos) throw Error(loc(i), "unterminated string in skip rule");
      out.push_back({s.substr(i + 1, end - i - 1), int(i), true});
      i = end + 1;
    } else if (std::string("=!<>").find(c) != std::string::npos) {
      std::size_t len = (i + 1 < s.size() && s[i + 1] == '=') ? 2 : 1;
      out.push_back({s.substr(i, len), int(i)});
      i += len;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' ||
               c == '+') {
      std::size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' ||
                              s[j] == '.' || s[j] == '-' || s[j] == '+'))
        ++j;
      out.push_back({s.substr(i, j - i), int(i)});
      i = j;
    } else {
      throw Error(loc(i), std::string("unexpected character '") + c + "' in skip rule",
                  "write comparisons like \"window >= seq_kv and causal == true\"");
    }
  }
  return out;
}

bool is_op(const std::string& t) {
  return t == "==" || t == "!=" || t == "<" || t == "<=" || t == ">" || t == ">=";
}

double as_number(const ParamValue& v) {
  if (auto p = std::get_if<std::int64_t>(&v)) return double(*p);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<bool>(&v)) return *p ? 1 : 0;
  return NAN;
}

bool compare(const ParamValue& a, const std::string& op, const ParamValue& b) {
  if (auto sa = std::get_if<std::string>(&a)) {
    auto sb = std::get_if<std::string>(&b);
    if (!sb) return false;
    if (op == "==") return *sa == *sb;
    if (op == "!=") return *sa != *sb;
    return false;
  }
  double x = as_number(a), y = as_number(b);
  if (op == "==") return x == y;
  if (op == "!=") return x != y;
  if (op == "<") return x < y;
  if (op == "<=") return x <= y;
  if (op == ">") return x > y;
  return x >= y;
}

}  // namespace

SkipRule parse_skip_rule(const std::string& text, const std::string& reason,
                         const SourceLocation& where, const ParamSchema& schema) {
  auto tokens = tokenize(text, where);
  auto loc = [&](const Token& t) {
    return SourceLocation{where.file, where.line, where.column + 1 + t.column};
  };
  auto find_spec = [&](const std::string& name) -> const ParamSpec* {
    for (const auto& s : schema)
      if (s.name == name) return &s;
    return nullptr;
  };
  auto known = [&] {
    std::string k;
    for (const auto& s : schema) k += (k.empty() ? "" : ", ") + s.name;
    return k;
  };
  SkipRule rule;
  rule.reason = reason;
  rule.where = where;
  rule.any_of.emplace_back();
  std::size_t i = 0;
  if (tokens.empty()) throw Error(where, "empty skip rule");
  while (true) {
    if (i + 3 > tokens.size()) {
      const Token& last = tokens.back();
      throw Error(loc(last), "incomplete comparison in skip rule", "expected: name op value");
    }
    const Token &lhs = tokens[i], &op = tokens[i + 1], &rhs = tokens[i + 2];
    const ParamSpec* spec = find_spec(lhs.text);
    if (!spec || lhs.quoted)
      throw Error(loc(lhs), "unknown parameter '" + lhs.text + "' in skip rule",
                  "parameters: " + known());
    if (!is_op(op.text))
      throw Error(loc(op), "expected a comparison operator, got '" + op.text + "'",
                  "use == != < <= > >=");
    Comparison c{lhs.text, op.text, false, {}, {}};
    if (!rhs.quoted && find_spec(rhs.text)) {
      c.rhs_is_param = true;
      c.rhs_param = rhs.text;
    } else if (rhs.quoted) {
      c.rhs_value = rhs.text;
    } else {
      try {
        c.rhs_value = parse_param_literal(*spec, rhs.text);
      } catch (const Error& e) {
        throw Error(loc(rhs), e.what());
      }
    }
    rule.any_of.back().push_back(c);
    i += 3;
    if (i == tokens.size()) break;
    if (tokens[i].text == "and") {
      ++i;
    } else if (tokens[i].text == "or") {
      rule.any_of.emplace_back();
      ++i;
    } else {
      throw Error(loc(tokens[i]), "expected 'and' or 'or', got '" + tokens[i].text + "'");
    }
  }
  return rule;
}

bool SkipRule::matches(const Params& p) const {
  for (const auto& conj : any_of) {
    bool all = true;
    for (const auto& c : conj) {
      const ParamValue& a = p.values().at(c.lhs);
      const ParamValue& b = c.rhs_is_param ? p.values().at(c.rhs_param) : c.rhs_value;
      all = all && compare(a, c.op, b);
    }
    if (all) return true;
  }
  return false;
}

}  // namespace moat
