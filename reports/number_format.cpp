#include "reports/number_format.hpp"

#include <fmt/format.h>

#include <cmath>

namespace moat::reports {

std::string format_percent(double relative) { return fmt::format("{:+.1f}%", 100 * relative); }

std::string format_ratio(double ratio) {
  if (std::isinf(ratio)) return ratio > 0 ? "inf" : "-inf";
  return fmt::format("{:.3f}", ratio);
}

std::string format_p(double p) {
  if (std::isnan(p)) return "n/a";
  return p >= 1e-3 ? fmt::format("{:.4f}", p) : fmt::format("{:.1e}", p);
}

std::string format_seconds(double seconds) {
  const double a = std::abs(seconds);
  if (a >= 1) return fmt::format("{:.3g} s", seconds);
  if (a >= 1e-3) return fmt::format("{:.3g} ms", seconds * 1e3);
  if (a >= 1e-6) return fmt::format("{:.3g} us", seconds * 1e6);
  return fmt::format("{:.3g} ns", seconds * 1e9);
}

std::string format_count(double count) {
  return std::abs(count) < 1e6 ? fmt::format("{:.0f}", count) : fmt::format("{:.4g}", count);
}

}  // namespace moat::reports
