#pragma once
// Where and how a run happened: git, build, Kokkos, host, device. Recorded in every results file
// so that `moat compare` can refuse to compare unlike runs.
#include <nlohmann/json.hpp>
#include <string>

namespace moat {

nlohmann::json git_context();      // {"sha": "...", "dirty": bool} (or nulls outside a checkout)
nlohmann::json build_context();    // {"type", "compiler", "moat_version", "flags"}
nlohmann::json kokkos_context();   // {"version", "execution_space"}
nlohmann::json host_context();     // {"hostname", "cpu", "logical_cores", "memory_bytes"}
nlohmann::json device_context();   // GPU name/SMs/memory on CUDA builds, null otherwise
std::string utc_now_iso8601();
// A stable id for this machine + backend, used to cache its calibrated profile.
std::string host_profile_id();

}  // namespace moat
