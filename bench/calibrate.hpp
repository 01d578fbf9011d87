#pragma once
// `moat calibrate`: Kokkos microbenchmarks that measure this machine's attainable ceilings on
// the default execution space, written as a hardware profile with provenance "measured".
#include <functional>
#include <string>

#include "model/hardware_profile.hpp"

namespace moat {

// Bumped whenever calibrate measures a ceiling differently (2: host special rate from the
// attention tile's softmax; 3: from the key-major softmax the flash tile now uses), so that
// profiles cached by an older method are measured again.
inline constexpr int kCalibrationMethod = 3;

struct CalibrationOptions {
  bool quick = false;  // smaller buffers and fewer repeats (seconds, for `--hardware auto`)
  std::function<void(const std::string&)> progress;  // one line per measurement
};

model::HardwareProfile calibrate_this_machine(const CalibrationOptions& opts);

}  // namespace moat
