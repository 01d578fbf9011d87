#pragma once
// `when` expressions of [[sweep.skip]]: comparisons of parameters with literals or other
// parameters, joined by `and` / `or` (and binds tighter). Parsed once, evaluated per case.
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/params.hpp"

namespace moat {

struct Comparison {
  std::string lhs;        // parameter name
  std::string op;         // == != < <= > >=
  bool rhs_is_param = false;
  std::string rhs_param;
  ParamValue rhs_value;
};

struct SkipRule {
  // Disjunction of conjunctions.
  std::vector<std::vector<Comparison>> any_of;
  std::string reason;
  SourceLocation where;
  bool matches(const Params& p) const;
};

// Parses `text`; `where` points at the string in the file (column of its opening quote).
// Parameter names are checked against `schema`.
SkipRule parse_skip_rule(const std::string& text, const std::string& reason,
                         const SourceLocation& where, const ParamSchema& schema);

}  // namespace moat
