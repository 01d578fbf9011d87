#pragma once
// One self-contained HTML file: tables rendered here (escaped), charts drawn in the page by the
// inlined Chart.js from the embedded JSON data. No network access when viewed.
#include <string>

#include "reports/report_context.hpp"

namespace moat::reports {

inline constexpr std::size_t kMaxHtmlTableRows = 500;

// chartjs_source: the Chart.js UMD bundle (see load_chartjs).
std::string html_report(const ReportContext& ctx, const std::string& chartjs_source);

}  // namespace moat::reports
