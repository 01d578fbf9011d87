#pragma once
// Toy hardware and hand-made efficiency curves shared by the curve tests.
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "model/hardware_profile.hpp"

namespace moat::model::testing {

// 1 TFLOP/s matrix, 100 GFLOP/s vector, 100 GB/s DRAM, no launch latency.
inline HardwareProfile toy_machine() {
  HardwareProfile hw;
  hw.id = "toy";
  hw.kind = "cpu";
  hw.provenance = "measured";
  hw.compute[DType::fp32] = {1e12, 1e11};
  hw.memory = {{"DRAM", 1e9, 1e11}};
  hw.launch_latency_s = 0;
  return hw;
}

// A flat curve at `efficiency`, fitted over x in [-4, -2] (0.1 to 10 ms of roofline work).
inline EfficiencyCurve flat_curve(double efficiency, double spread = 0) {
  EfficiencyCurve c;
  c.ln_efficiency = std::log(efficiency);
  c.center = -3;
  c.x_min = -4;
  c.x_max = -2;
  c.spread = spread;
  return c;
}

// A results record of a compute-bound case of `variant` in family "fam": `flops` of matrix work,
// no bytes, measured at `measured_s`.
inline nlohmann::json compute_bound_record(const std::string& name, const std::string& variant,
                                           const std::string& dtype, const nlohmann::json& params,
                                           double flops, double measured_s) {
  return {{"name", name},
          {"variant", variant},
          {"family", "fam"},
          {"dtype", dtype},
          {"params", params},
          {"status", "ok"},
          {"work",
           {{"flops_matrix", flops},
            {"flops_vector", 0.0},
            {"special_ops", 0.0},
            {"bytes_dram", 0.0},
            {"bytes_onchip", 0.0},
            {"launches", 0.0}}},
          {"summary", {{"median_s", measured_s}}}};
}

}  // namespace moat::model::testing
