#pragma once
// Chart.js, read from disk and inlined into the HTML report (no network at view time).
#include <string>

namespace moat::reports {

// Built-in default: the Debian libjs-chart.js bundle (CMake cache variable MOAT_CHARTJS_PATH).
std::string default_chartjs_path();

// Reads the UMD bundle at `path` (default_chartjs_path() when empty). Throws moat::Error saying
// which file is missing and how to get it.
std::string load_chartjs(const std::string& path = {});

}  // namespace moat::reports
