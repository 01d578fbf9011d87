#pragma once
// Resolves `--hardware`: a profile file, "none" (no prediction), or "auto" (this machine's
// calibrated profile from the cache, calibrating quickly first when there is none).
#include <optional>
#include <string>

#include "model/hardware_profile.hpp"

namespace moat {

struct ResolvedHardware {
  std::optional<model::HardwareProfile> profile;
  std::string path;  // file it came from ("" for none)
};

ResolvedHardware resolve_hardware(const std::string& arg);
std::string calibration_cache_path();  // where "auto" keeps this machine's profile

}  // namespace moat
