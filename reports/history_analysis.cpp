#include "reports/history_analysis.hpp"

#include <algorithm>

namespace moat::reports {

std::string to_string(ChangeKind k) {
  switch (k) {
    case ChangeKind::regression:
      return "regression";
    case ChangeKind::improvement:
      return "improvement";
    case ChangeKind::accepted:
      return "accepted";
  }
  return "regression";
}

std::vector<CaseHistory> analyze_history(const std::vector<HistoryPoint>& points,
                                         const ChangePointOptions& options,
                                         const Annotations& annotations,
                                         const std::string& case_filter) {
  std::vector<CaseHistory> out;
  for (auto& [id, series] : history_by_case(points)) {
    if (!case_filter.empty() && id != case_filter) continue;
    CaseHistory h;
    h.case_id = id;
    h.points = series;
    // Instruction counts are deterministic, so prefer them whenever the whole series has them.
    const bool counted = std::all_of(series.begin(), series.end(), [](const HistoryPoint& p) {
      return p.instructions.has_value();
    });
    h.metric = counted ? "instructions" : "median_s";
    for (const auto& p : series) h.values.push_back(counted ? *p.instructions : p.median_s);
    for (const auto& cp : detect_change_points(h.values, options)) {
      ClassifiedChange c;
      c.point = cp;
      c.git_sha = series[cp.index].git_sha;
      c.started_at = series[cp.index].run_started_at;
      if (const AcceptedChange* a = annotations.find(id, c.git_sha)) {
        c.kind = ChangeKind::accepted;
        c.accepted_reason = a->reason;
      } else {
        c.kind = cp.ratio > 1 ? ChangeKind::regression : ChangeKind::improvement;
      }
      h.changes.push_back(std::move(c));
    }
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace moat::reports
