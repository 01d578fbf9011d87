#pragma once
// Points (arithmetic intensity, achieved FLOP/s) of a run's cases and the roofs of hardware
// profiles, as JSON for the report's roofline chart.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/results_document.hpp"

namespace moat::reports {

// {"points": [{label, x: FLOP/byte, y: FLOP/s, bound}], "roofs": [{label, points: [{x, y}]}],
//  "notes": [...]}. Profiles that cannot be read become a note, not an error, when they come
// from the run itself (the path may be from another machine); `hardware_files` must load.
nlohmann::json roofline_data(const ResultsDocument& run,
                             const std::vector<std::string>& hardware_files);

}  // namespace moat::reports
