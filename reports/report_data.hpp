#pragma once
// The data behind the HTML report's charts, as one JSON object the page's script reads:
// roofline, predicted vs measured, sweeps, sample distributions, history.
#include <nlohmann/json.hpp>

#include "reports/report_context.hpp"

namespace moat::reports {

inline constexpr std::size_t kMaxSweepCharts = 24;
inline constexpr std::size_t kMaxDistributionCases = 60;
inline constexpr std::size_t kMaxHistoryCharts = 12;

nlohmann::json report_chart_data(const ReportContext& ctx);

}  // namespace moat::reports
