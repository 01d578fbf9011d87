#pragma once
// A Markdown summary sized for a pull-request comment: verdict counts, geometric-mean ratio,
// regression table, model outliers, environment differences and repro commands.
#include <cstddef>
#include <string>

#include "reports/report_context.hpp"

namespace moat::reports {

// GitHub rejects comments over 65536 characters; tables are cut to stay well below.
inline constexpr std::size_t kMarkdownRowsPerTable = 25;

std::string markdown_report(const ReportContext& ctx);

}  // namespace moat::reports
