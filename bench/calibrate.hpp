#pragma once
// `moat calibrate`: Kokkos microbenchmarks that measure this machine's attainable ceilings on
// the default execution space, written as a hardware profile with provenance "measured".
#include <functional>
#include <string>

#include "model/hardware_profile.hpp"

namespace moat {

struct CalibrationOptions {
  bool quick = false;  // smaller buffers and fewer repeats (seconds, for `--hardware auto`)
  std::function<void(const std::string&)> progress;  // one line per measurement
};

model::HardwareProfile calibrate_this_machine(const CalibrationOptions& opts);

}  // namespace moat
