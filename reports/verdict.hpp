#pragma once
// The outcome of comparing one case between two runs.
#include <optional>
#include <string>

namespace moat::reports {

enum class Verdict {
  slower,        // confirmed: significant (BH q < alpha) and beyond the threshold
  faster,        // confirmed improvement, same rules
  same,          // change within the threshold
  ambiguous,     // beyond the threshold but not significant: too noisy or too few samples
  insufficient,  // not measurable: too few samples, or the case failed/skipped in both runs
  incomparable,  // only in one run, status differs, or measured in different modes
};

inline constexpr Verdict kAllVerdicts[] = {Verdict::slower,       Verdict::faster,
                                           Verdict::same,         Verdict::ambiguous,
                                           Verdict::insufficient, Verdict::incomparable};

std::string to_string(Verdict v);  // "SLOWER", "FASTER", ...
std::optional<Verdict> parse_verdict(const std::string& text);

}  // namespace moat::reports
