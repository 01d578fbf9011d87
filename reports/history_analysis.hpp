#pragma once
// Change points of every case in a history, classified as regression, improvement or accepted.
#include <string>
#include <vector>

#include "reports/annotations.hpp"
#include "reports/change_points.hpp"
#include "reports/history_store.hpp"

namespace moat::reports {

enum class ChangeKind { regression, improvement, accepted };
std::string to_string(ChangeKind k);

struct ClassifiedChange {
  ChangePoint point;
  ChangeKind kind = ChangeKind::regression;
  std::string git_sha;  // first run at the new level
  std::string started_at;
  std::string accepted_reason;
};

struct CaseHistory {
  std::string case_id;
  std::string metric;  // "median_s", or "instructions" when every point has a count
  std::vector<HistoryPoint> points;
  std::vector<double> values;  // the metric per point
  std::vector<ClassifiedChange> changes;
};

// case_filter: empty = all cases, else exact case id.
std::vector<CaseHistory> analyze_history(const std::vector<HistoryPoint>& points,
                                         const ChangePointOptions& options,
                                         const Annotations& annotations,
                                         const std::string& case_filter = {});

}  // namespace moat::reports
