#pragma once
// A machine's ceilings: compute rates per number format, special-function rate, memory levels,
// launch latency, interconnects, power, price, and fitted efficiency. Loaded from TOML
// (model/hardware/*.toml, format in docs/model.md); every number may carry its public source.
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
  std::string name;           // "L2", "HBM3", "DDR5"
  double capacity_bytes = 0;  // per device
  double bandwidth = 0;       // bytes/s, read + write
};

// One fabric a device talks over. Bandwidth is per device, per direction, all links together.
struct Interconnect {
  std::string name;      // "NVLink 4 via NVSwitch", "InfiniBand NDR (ConnectX-7)"
  std::string scope;     // "node": scale-up domain; "cluster": scale-out network between domains
  std::string topology;  // "switch": any peer at full rate; "full_mesh": rate split over peers
  double bandwidth_per_direction = 0;  // bytes/s
  double latency_s = 0;                // one message, one hop (0: unknown, ignored)
  int gpus_per_domain = 1;             // devices reachable through this fabric ("node" scope)
};

struct Price {
  double usd_per_hour = 0;  // rental, per device (0: unknown)
  double purchase_usd = 0;  // per device (0: unknown)
};

// Attained fraction of the roofline as a function of problem size, fitted per kernel family (and
// per variant and per code path inside it) from measured results (model/efficiency_curve.hpp
// explains the curve):
//   ln(efficiency) = ln_efficiency + slope * (x - center),  x = log10(roofline body seconds)
// with [x_min, x_max] the range the fit saw (followed at most one decade beyond it).
struct EfficiencyCurve {
  double ln_efficiency = 0;  // ln of the attained fraction at x = center
  double slope = 0;          // change of ln(efficiency) per decade of roofline body time
  double center = 0;         // log10 seconds
  double x_min = 0;          // log10 seconds: the fitted range
  double x_max = 0;
  int cases = 0;
  double spread = 0;         // p90 of |measured / predicted - 1| of the fitted cases at this level
};

// Attained fraction of the roofline, fitted from measured results (model/calibration_fit.hpp).
struct Calibration {
  std::map<std::string, double> efficiency_by_bound;  // "compute" | "memory" | "special" -> fraction
  std::map<std::string, std::map<std::string, double>> efficiency_by_family;  // family -> bound -> f
  std::map<std::string, EfficiencyCurve> curve_by_family;   // family -> curve (unseen variants)
  std::map<std::string, EfficiencyCurve> curve_by_variant;  // variant -> its own curve
  // Code path (model/curve_path.hpp: "attention.dense|causal=true") -> its own curve; only paths
  // that differ from their variant's name.
  std::map<std::string, EfficiencyCurve> curve_by_path;
  double spread = 0;        // p90 of |measured / calibrated prediction - 1| over the fitted cases
  double fitted_min_s = 0;  // range of roofline times the fit saw; outside it we extrapolate
  double fitted_max_s = 0;
  int cases = 0;
  std::string fitted_from;  // results file(s) and date
  bool empty() const {
    return efficiency_by_bound.empty() && efficiency_by_family.empty() && curve_by_family.empty() &&
           curve_by_variant.empty() && curve_by_path.empty();
  }
};

struct HardwareProfile {
  std::string id;          // file stem: "h100-sxm", "host-measured"
  std::string name;        // "NVIDIA H100 SXM5 80GB"
  std::string kind;        // "gpu" | "cpu" | "accelerator"
  std::string provenance;  // "datasheet" | "measured" | "mixed"
  std::string notes;
  std::map<DType, ComputeRates> compute;
  std::map<std::string, ComputeRates> formats;  // rates for formats outside DType: fp8, fp4, int8
  double special_ops_per_s = 0;     // exp/log/tanh per second
  std::vector<MemoryLevel> memory;  // fastest first; the last is main memory
  double launch_latency_s = 0;      // one kernel launch / parallel dispatch
  std::vector<Interconnect> interconnects;
  double tdp_watts = 0;  // per device (0: unknown)
  Price price;
  Calibration calibration;
  std::map<std::string, std::string> sources;  // field -> where the number came from

  const MemoryLevel& main_memory() const { return memory.back(); }
  // Compute rates for `t`, falling back to fp32 for types the part has no faster path for; zero
  // rates when the profile has neither.
  ComputeRates rates_for(DType t) const;
  // Rates by format name ("bf16", "fp8", "fp4", "int8"). A format without its own units runs at
  // the next wider one (fp4 -> fp8 -> bf16 -> fp32): weights are widened before the math.
  ComputeRates rates_for_format(const std::string& format) const;
  const Interconnect* scale_up() const;   // "node" scope, or null
  const Interconnect* scale_out() const;  // "cluster" scope, or null
  int devices_per_node() const;           // scale-up domain size (1 without one)
};

// Formats accepted in [compute.<format>] besides the DType names.
const std::vector<std::string>& extra_compute_formats();

HardwareProfile load_hardware_profile(const std::string& path);
void save_hardware_profile(const HardwareProfile& p, const std::string& path);

}  // namespace moat::model
