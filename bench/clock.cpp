#include <ctime>
#include <string>

#include "bench/run_context.hpp"

namespace moat {

// Kokkos-free, so `moat predict` and the results writer have it without kernels.
std::string utc_now_iso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace moat
