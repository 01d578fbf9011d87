// `moat calibrate`: measure this machine's ceilings and write a hardware profile.
#include <iostream>

#include "apps/moat/commands.hpp"
#include "bench/calibrate.hpp"
#include "bench/host_profile.hpp"
#include "kernels/common/compat.hpp"

namespace moat::cli {

void add_calibrate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("calibrate", "Measure this machine's bandwidths, FLOP rates, exp rate and launch latency");
  static std::string out;
  static bool quick = false;
  cmd->add_option("-o,--out", out, "Profile path (default: the cache `--hardware auto` reads)");
  cmd->add_flag("--quick", quick, "Smaller buffers, fewer repeats");
  cmd->callback([] {
    Kokkos::ScopeGuard kokkos;
    CalibrationOptions opts;
    opts.quick = quick;
    opts.progress = [](const std::string& s) { std::cerr << "  " << s << "\n"; };
    auto profile = calibrate_this_machine(opts);
    const std::string path = out.empty() ? calibration_cache_path() : out;
    model::save_hardware_profile(profile, path);
    std::cout << "moat: wrote " << path << "\n";
  });
}

}  // namespace moat::cli
