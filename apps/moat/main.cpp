// moat: benchmark and model MoE and attention kernels. `moat --help` lists the subcommands.
#include <iostream>

#include "apps/moat/commands.hpp"
#include "core/error.hpp"
#if MOAT_HAS_REPORTS
#include "apps/moat/commands_reports.hpp"
#endif

namespace moat::cli {
int& exit_code() {
  static int code = 0;
  return code;
}
}  // namespace moat::cli

int main(int argc, char** argv) {
  CLI::App app{"moat: benchmarking and performance modeling for mixture-of-experts and attention"};
  app.require_subcommand(1);
  app.set_version_flag("--version", MOAT_VERSION);
  moat::cli::add_list_command(app);
  moat::cli::add_predict_command(app);
  moat::cli::add_validate_command(app);
#if MOAT_HAS_KERNELS
  moat::cli::add_run_command(app);
  moat::cli::add_calibrate_command(app);
  moat::cli::add_ep_command(app);
#endif
#if MOAT_HAS_REPORTS
  moat::cli::add_compare_command(app);
  moat::cli::add_report_command(app);
  moat::cli::add_history_command(app);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const moat::Error& e) {
    std::cerr << "moat: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "moat: error: " << e.what() << "\n";
    return 2;
  }
  return moat::cli::exit_code();
}
