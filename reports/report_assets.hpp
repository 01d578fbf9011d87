#pragma once
// The HTML report's own script and style (reports/assets/), embedded at build time.
#include <string_view>

namespace moat::reports {

std::string_view report_script();
std::string_view report_style();

}  // namespace moat::reports
