#include "reports/report_data.hpp"

#include <algorithm>
#include <cmath>

#include "reports/roofline_data.hpp"
#include "reports/stats_descriptive.hpp"
#include "reports/sweep_detection.hpp"

namespace moat::reports {

namespace {

nlohmann::json prediction_data(const ResultsDocument& run) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& c : run.cases)
    if (c.ok() && c.predicted_s && *c.predicted_s > 0)
      points.push_back({{"label", run.label(c, /*always_dtype=*/true)},
                        {"x", *c.predicted_s},
                        {"y", median(c.samples_s)}});
  return {{"points", points}};
}

nlohmann::json sweeps_data(const ResultsDocument& run) {
  std::size_t omitted = 0;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : detect_sweeps(run, kMaxSweepCharts, &omitted)) {
    nlohmann::json predicted = nlohmann::json::array();
    for (const auto& p : s.predicted_s)
      predicted.push_back(p ? nlohmann::json(*p) : nlohmann::json(nullptr));
    out.push_back({{"title", s.variant + " along " + s.axis},
                   {"subtitle", s.fixed},
                   {"axis", s.axis},
                   {"x", s.x},
                   {"measured_s", s.median_s},
                   {"predicted_s", predicted}});
  }
  return {{"charts", out}, {"omitted", omitted}};
}

// Samples divided by the base median (or the head median without a base), so cases of very
// different durations share one axis and the spread reads directly as relative noise.
nlohmann::json distributions_data(const ReportContext& ctx) {
  struct Row {
    const CaseRecord* head;
    const CaseRecord* base;
    double order_key;  // |log ratio| when compared, else the case's robust CV
  };
  std::vector<Row> rows;
  for (const auto& c : ctx.head.cases) {
    if (!c.ok()) continue;
    const CaseRecord* b = ctx.base ? ctx.base->find_case(c.id) : nullptr;
    if (b && !b->ok()) b = nullptr;
    const double key =
        b ? std::abs(std::log(median(c.samples_s) / median(b->samples_s))) : robust_cv(c.samples_s);
    rows.push_back({&c, b, key});
  }
  // Show the most interesting cases when there are too many for one chart.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.order_key > b.order_key; });
  const std::size_t omitted =
      rows.size() > kMaxDistributionCases ? rows.size() - kMaxDistributionCases : 0;
  if (omitted) rows.resize(kMaxDistributionCases);

  nlohmann::json labels = nlohmann::json::array(), base = nlohmann::json::array(),
                 head = nlohmann::json::array();
  for (const auto& r : rows) {
    const double scale = median(r.base ? r.base->samples_s : r.head->samples_s);
    nlohmann::json h = nlohmann::json::array(), b = nlohmann::json::array();
    for (double s : r.head->samples_s) h.push_back(s / scale);
    if (r.base)
      for (double s : r.base->samples_s) b.push_back(s / scale);
    labels.push_back(r.head->name + " [" + r.head->dtype + "]");
    head.push_back(h);
    base.push_back(b);
  }
  return {{"labels", labels},
          {"head", head},
          {"base", base},
          {"has_base", ctx.base.has_value()},
          {"omitted", omitted}};
}

nlohmann::json history_data(const ReportContext& ctx) {
  // Cases with change points first, then the rest of the head run's cases.
  std::vector<const CaseHistory*> chosen;
  for (const auto& h : ctx.history)
    if (!h.changes.empty()) chosen.push_back(&h);
  for (const auto& h : ctx.history)
    if (h.changes.empty() && ctx.head.find_case(h.case_id)) chosen.push_back(&h);
  const std::size_t omitted =
      chosen.size() > kMaxHistoryCharts ? chosen.size() - kMaxHistoryCharts : 0;
  if (omitted) chosen.resize(kMaxHistoryCharts);

  nlohmann::json charts = nlohmann::json::array();
  for (const CaseHistory* h : chosen) {
    nlohmann::json labels = nlohmann::json::array(), level = nlohmann::json::array(),
                   changes = nlohmann::json::array();
    for (const auto& p : h->points) labels.push_back(p.git_sha.substr(0, 8));
    // Segment medians drawn as a step line: the levels between change points.
    std::size_t begin = 0;
    auto fill = [&](std::size_t end) {
      const double m =
          median(std::vector<double>(h->values.begin() + static_cast<std::ptrdiff_t>(begin),
                                     h->values.begin() + static_cast<std::ptrdiff_t>(end)));
      for (std::size_t i = begin; i < end; ++i) level.push_back(m);
      begin = end;
    };
    for (const auto& c : h->changes) {
      fill(c.point.index);
      changes.push_back({{"index", c.point.index},
                         {"kind", to_string(c.kind)},
                         {"ratio", c.point.ratio},
                         {"git_sha", c.git_sha},
                         {"reason", c.accepted_reason}});
    }
    fill(h->values.size());
    charts.push_back({{"case_id", h->case_id},
                      {"metric", h->metric},
                      {"labels", labels},
                      {"values", h->values},
                      {"level", level},
                      {"changes", changes}});
  }
  return {{"charts", charts}, {"omitted", omitted}};
}

}  // namespace

nlohmann::json report_chart_data(const ReportContext& ctx) {
  return {{"roofline", roofline_data(ctx.head, ctx.hardware_files)},
          {"prediction", prediction_data(ctx.head)},
          {"sweeps", sweeps_data(ctx.head)},
          {"distributions", distributions_data(ctx)},
          {"history", history_data(ctx)}};
}

}  // namespace moat::reports
