#include "apps/moat/run_progress.hpp"

#include <cstdio>
#include <iostream>

namespace moat::cli {

namespace {
std::string clock_text(double seconds) {
  int s = int(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return buf;
}
std::string time_text(double s) {
  char buf[32];
  if (s >= 1)
    std::snprintf(buf, sizeof buf, "%.3f s", s);
  else if (s >= 1e-3)
    std::snprintf(buf, sizeof buf, "%.3f ms", s * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.2f us", s * 1e6);
  return buf;
}
}  // namespace

RunProgress::RunProgress(std::size_t total)
    : total_(total), start_(std::chrono::steady_clock::now()) {}

void RunProgress::report(const nlohmann::json& r) {
  ++done_;
  const std::string status = r.value("status", "?");
  ++by_status_[status];
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = elapsed / double(done_) * double(total_ - done_);
  std::string detail;
  if (status == "ok") {
    detail = time_text(r["summary"]["median_s"].get<double>());
    if (!r["prediction"].is_null()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "  pred %s  x%.2f",
                    time_text(r["prediction"]["seconds"].get<double>()).c_str(),
                    r["measured_over_predicted"].get<double>());
      detail += buf;
    }
  } else if (r.contains("reason") && r["reason"].is_string()) {
    detail = r["reason"].get<std::string>().substr(0, 120);
  }
  std::fprintf(stderr, "[%zu/%zu] %-12s %s  %s %s  (elapsed %s, eta %s)\n", done_, total_,
               status.c_str(), r["name"].get<std::string>().c_str(),
               r["implementation"].get<std::string>().c_str(), detail.c_str(),
               clock_text(elapsed).c_str(), clock_text(eta).c_str());
}

void RunProgress::summary(std::ostream& os) const {
  os << "moat: " << done_ << " cases:";
  for (const auto& [status, n] : by_status_) os << " " << n << " " << status;
  os << "\n";
}

}  // namespace moat::cli
