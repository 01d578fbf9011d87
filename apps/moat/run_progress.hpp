#pragma once
// Progress of a long run on stderr: cases done/total, elapsed, ETA, and one line per case.
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

namespace moat::cli {

class RunProgress {
 public:
  explicit RunProgress(std::size_t total);
  void report(const nlohmann::json& record);  // after each case
  void summary(std::ostream& os) const;       // status counts at the end

 private:
  std::size_t total_, done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::map<std::string, int> by_status_;
};

}  // namespace moat::cli
