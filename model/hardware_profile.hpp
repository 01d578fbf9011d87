#pragma once
// A machine's ceilings: compute rates per storage type, special-function rate, memory levels,
// launch latency. Loaded from TOML (model/hardware/*.toml); every number may carry its source.
#include <map>
#include <string>
#include <vector>

#include "core/dtype.hpp"

namespace moat::model {

struct ComputeRates {
  double matrix_flops = 0;  // FLOP/s for GEMM-shaped work (tensor/matrix units where present)
  double vector_flops = 0;  // FLOP/s for elementwise work (SIMD/SIMT FMA)
};

struct MemoryLevel {
  std::string name;           // "L1", "L2", "HBM3", "DDR5"
  double capacity_bytes = 0;  // per device (shared levels) or total
  double bandwidth = 0;       // bytes/s, read + write
};

struct HardwareProfile {
  std::string id;     // file stem: "h100-sxm", "host-measured"
  std::string name;   // "NVIDIA H100 SXM5 80GB"
  std::string kind;   // "gpu" | "cpu" | "accelerator"
  std::string provenance;  // "datasheet" | "measured" | "mixed"
  std::map<DType, ComputeRates> compute;
  double special_ops_per_s = 0;   // exp/log/tanh per second
  std::vector<MemoryLevel> memory;  // fastest first; the last is main memory
  double launch_latency_s = 0;      // one kernel launch / parallel dispatch
  std::map<std::string, std::string> sources;  // field -> where the number came from

  const MemoryLevel& main_memory() const { return memory.back(); }
  // Compute rates for `t`, falling back to fp32 for types the part has no faster path for.
  ComputeRates rates_for(DType t) const;
};

HardwareProfile load_hardware_profile(const std::string& path);
void save_hardware_profile(const HardwareProfile& p, const std::string& path);

}  // namespace moat::model
