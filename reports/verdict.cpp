#include "reports/verdict.hpp"

namespace moat::reports {

std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::slower:
      return "SLOWER";
    case Verdict::faster:
      return "FASTER";
    case Verdict::same:
      return "SAME";
    case Verdict::ambiguous:
      return "AMBIGUOUS";
    case Verdict::insufficient:
      return "INSUFFICIENT";
    case Verdict::incomparable:
      return "INCOMPARABLE";
  }
  return "INCOMPARABLE";
}

std::optional<Verdict> parse_verdict(const std::string& text) {
  for (Verdict v : kAllVerdicts)
    if (to_string(v) == text) return v;
  return std::nullopt;
}

}  // namespace moat::reports
