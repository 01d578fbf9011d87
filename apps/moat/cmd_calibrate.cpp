// `moat calibrate`: measure this machine's ceilings and write a hardware profile; with --fit, fit
// efficiency curves from measured results into a profile's [calibration] table instead.
#include <cstdio>
#include <iostream>

#include "apps/moat/commands.hpp"
#include "bench/calibrate.hpp"
#include "bench/host_profile.hpp"
#include "core/error.hpp"
#include "kernels/common/compat.hpp"
#include "model/calibration_fit.hpp"

namespace moat::cli {

void add_calibrate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "calibrate", "Measure this machine's bandwidths, FLOP rates, exp rate and launch latency");
  static std::string out;
  static bool quick = false;
  cmd->add_option("-o,--out", out, "Profile path (default: the cache `--hardware auto` reads)");
  cmd->add_flag("--quick", quick, "Smaller buffers, fewer repeats");
  static std::string fit;
  static std::string fit_profile;
  cmd->add_option("--fit", fit,
                  "Fit efficiency from this results JSON (measured with --profile) instead of "
                  "measuring; writes --profile plus a [calibration] table to -o");
  cmd->add_option("--profile", fit_profile,
                  "With --fit: the profile the results were measured with");
  cmd->callback([] {
    if (!fit.empty() || !fit_profile.empty()) {
      if (fit.empty() || fit_profile.empty() || out.empty())
        throw Error(
            "calibrate --fit needs all of --fit RESULTS.json, --profile IN.toml, -o OUT.toml");
      if (quick) throw Error("--quick measures; it does not combine with --fit");
      const model::Calibration c = model::calibrate_profile_from_results(fit, fit_profile, out);
      std::printf(
          "moat: fitted %d cases: %zu family curve(s), %zu variant curve(s), %zu code-path "
          "curve(s); in-sample p90 |measured/predicted - 1| = %.1f%%\n",
          c.cases, c.curve_by_family.size(), c.curve_by_variant.size(), c.curve_by_path.size(),
          100 * c.spread);
      std::cout << "moat: wrote " << out << " (judge it on a held-out sweep: moat validate)\n";
      return;
    }
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
