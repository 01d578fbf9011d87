// The identity, work and prediction part of a case record: shared by `moat run` and
// `moat predict`, Kokkos-free.
#include "bench/case_record.hpp"

#include <nlohmann/json.hpp>

#include "model/curve_path.hpp"
#include "model/roofline.hpp"

namespace moat {
namespace {
// The arithmetic every implementation runs today: fp32 FMA, whatever the storage dtype.
constexpr DType kMathDType = DType::fp32;
}  // namespace

nlohmann::json params_json(const Params& p) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : p.values())
    std::visit([&, name = k](const auto& x) { j[name] = x; }, v);
  return j;
}

nlohmann::json predict_case(const Case& c, const model::HardwareProfile* hw,
                            const std::string& repro_prefix, const std::string& backend) {
  nlohmann::json r;
  const std::string cache = "warm";
  r["name"] = c.name;
  r["variant"] = c.spec->name;
  r["family"] = c.spec->family;
  r["implementation"] = c.implementation;
  r["params"] = params_json(c.params);
  r["dtype"] = to_string(c.dtype);
  r["backend"] = backend;
  r["cache"] = cache;
  r["id"] =
      c.name + "|" + to_string(c.dtype) + "|" + c.implementation + "|" + backend + "|" + cache;
  r["status"] = "predicted";
  r["reason"] = nullptr;
  // Storage (dtype) sets the bytes a case moves; every implementation so far computes in fp32 on
  // FMA units (bf16/fp16 inputs are widened), so predictions use the fp32 compute rates.
  r["math"] = to_string(kMathDType);
  Cost cost = c.spec->cost(c.params, c.dtype);
  r["work"] = {{"flops_matrix", cost.flops_matrix}, {"flops_vector", cost.flops_vector},
               {"special_ops", cost.special_ops},   {"bytes_dram", cost.bytes_dram},
               {"bytes_onchip", cost.bytes_onchip}, {"launches", cost.launches}};
  if (hw) {
    // The calibrated prediction: the profile's efficiency curve for this code path (or its
    // variant, its family, its bound) when the profile carries a [calibration] table; the bare
    // roofline otherwise. The path is computed from the recorded fields, as the fit computes it.
    model::PredictOptions opts;
    opts.family = c.spec->family;
    opts.variant = c.spec->name;
    opts.path = model::curve_path(c.spec->name, to_string(c.dtype), r.at("params"));
    opts.apply_calibration = true;
    auto p = model::predict_roofline(cost, kMathDType, *hw, opts);
    r["prediction"] = {
        {"seconds", p.seconds},
        {"bound", p.bound},
        {"compute_s", p.compute_s},
        {"special_s", p.special_s},
        {"memory_s", p.memory_s},
        {"launch_s", p.launch_s},
        {"hardware", p.hardware},
        {"low_s", p.low_s},
        {"high_s", p.high_s},
        {"roofline_s", p.roofline_s},
        {"efficiency", p.efficiency},
        {"calibration", p.calibration_level.empty() ? nlohmann::json(nullptr)
                                                    : nlohmann::json(p.calibration_level)},
        {"extrapolation_decades", p.extrapolation_decades}};
  } else {
    r["prediction"] = nullptr;
  }
  r["measured_over_predicted"] = nullptr;
  r["repro"] = repro_prefix + " --filter '" + c.name + "'";
  return r;
}

}  // namespace moat
