#pragma once
// Fits the attained fraction of the roofline per bound and per kernel family from our own
// measured results (docs/results-schema.md), so predictions on that machine carry its real
// efficiency. Each ok case with recorded work gives efficiency = roofline body / measured body
// (launch latency removed from both); a group's efficiency is the median of its cases.
#include <string>

#include <nlohmann/json.hpp>

#include "model/hardware_profile.hpp"

namespace moat::model {

struct FitOptions {
  // Results measured on another machine than the profile's would calibrate the wrong part.
  bool require_same_hardware = true;
  std::string fitted_from;  // recorded in the profile; default: the results' command
};

// Throws moat::Error when no case can be fitted or the results name another profile.
Calibration fit_calibration(const nlohmann::json& results_doc, const HardwareProfile& hw,
                            const FitOptions& options = {});

// Reads results JSON and a profile, fits, and writes the profile with its [calibration] table.
Calibration calibrate_profile_from_results(const std::string& results_path,
                                           const std::string& profile_path,
                                           const std::string& out_profile_path);

}  // namespace moat::model
