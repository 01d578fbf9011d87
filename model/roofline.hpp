#pragma once
// Kernel time from its cost and a hardware profile: the larger of the compute and memory terms,
// plus launch latency. The bound names the term that dominates.
#include <string>

#include "core/cost.hpp"
#include "model/hardware_profile.hpp"

namespace moat::model {

struct Prediction {
  double seconds = 0;
  double compute_s = 0;   // matrix + vector FLOPs at their rates
  double special_s = 0;   // transcendental ops at the special-function rate
  double memory_s = 0;    // DRAM bytes at main-memory bandwidth + on-chip bytes at cache rate
  double launch_s = 0;
  std::string bound;      // "compute" | "memory" | "special" | "latency"
  std::string hardware;   // profile id
};

Prediction predict_roofline(const Cost& cost, DType dtype, const HardwareProfile& hw);

}  // namespace moat::model
