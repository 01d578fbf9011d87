#include "model/roofline.hpp"

#include <algorithm>

namespace moat::model {

Prediction predict_roofline(const Cost& cost, DType dtype, const HardwareProfile& hw) {
  Prediction p;
  p.hardware = hw.id;
  ComputeRates r = hw.rates_for(dtype);
  p.compute_s = (r.matrix_flops > 0 ? cost.flops_matrix / r.matrix_flops : 0) +
                (r.vector_flops > 0 ? cost.flops_vector / r.vector_flops : 0);
  p.special_s = hw.special_ops_per_s > 0 ? cost.special_ops / hw.special_ops_per_s : 0;
  const double main_bw = hw.memory.empty() ? 0 : hw.main_memory().bandwidth;
  const double cache_bw = hw.memory.size() > 1 ? hw.memory.front().bandwidth : main_bw;
  p.memory_s = (main_bw > 0 ? cost.bytes_dram / main_bw : 0) +
               (cache_bw > 0 ? cost.bytes_onchip / cache_bw : 0);
  p.launch_s = cost.launches * hw.launch_latency_s;
  // Compute and special-function work share issue slots on CPUs and SMs alike: they add.
  const double arithmetic = p.compute_s + p.special_s;
  const double body = std::max(arithmetic, p.memory_s);
  p.seconds = body + p.launch_s;
  if (p.launch_s > body)
    p.bound = "latency";
  else if (p.memory_s >= arithmetic)
    p.bound = "memory";
  else
    p.bound = p.special_s > p.compute_s ? "special" : "compute";
  return p;
}

}  // namespace moat::model
