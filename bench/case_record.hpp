#pragma once
// The identity, work counts and prediction of a case record (docs/results-schema.md), without
// measuring: `moat predict` prints these, `moat run` adds the measurement. Kokkos-free.
#include <nlohmann/json.hpp>
#include <string>

#include "model/hardware_profile.hpp"
#include "scenario/scenario.hpp"

namespace moat {

// Status "predicted". `backend` is the execution space that would run it ("model" if none).
nlohmann::json predict_case(const Case& c, const model::HardwareProfile* hw,
                            const std::string& repro_prefix, const std::string& backend);

// Params as typed JSON values.
nlohmann::json params_json(const Params& p);

}  // namespace moat
