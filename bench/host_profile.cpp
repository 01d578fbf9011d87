#include "bench/host_profile.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "bench/calibrate.hpp"
#include "bench/run_context.hpp"

namespace moat {

std::string calibration_cache_path() {
  std::filesystem::path dir;
  if (const char* d = std::getenv("MOAT_CACHE_DIR"))
    dir = d;
  else if (const char* x = std::getenv("XDG_CACHE_HOME"))
    dir = std::filesystem::path(x) / "moat";
  else if (const char* h = std::getenv("HOME"))
    dir = std::filesystem::path(h) / ".cache" / "moat";
  else
    dir = ".moat-cache";
  return (dir / (host_profile_id() + ".m" + std::to_string(kCalibrationMethod) + ".toml")).string();
}

ResolvedHardware resolve_hardware(const std::string& arg) {
  if (arg == "none") return {};
  if (arg != "auto") return {model::load_hardware_profile(arg), arg};
  const std::string path = calibration_cache_path();
  if (!std::filesystem::exists(path)) {
    std::cerr << "moat: no calibrated profile for this machine; measuring one (quick) -> " << path
              << "\n      (run `moat calibrate` for a full calibration)\n";
    CalibrationOptions opts;
    opts.quick = true;
    opts.progress = [](const std::string& s) { std::cerr << "  " << s << "\n"; };
    model::save_hardware_profile(calibrate_this_machine(opts), path);
  }
  return {model::load_hardware_profile(path), path};
}

}  // namespace moat
