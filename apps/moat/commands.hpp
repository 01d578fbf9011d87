#pragma once
// Each subcommand adds itself to the CLI11 app; callbacks throw moat::Error on bad input, which
// main() turns into one message and exit code 2.
#include <CLI/CLI.hpp>

namespace moat::cli {

void add_list_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_validate_command(CLI::App& app);
#if MOAT_HAS_KERNELS
void add_run_command(CLI::App& app);
void add_calibrate_command(CLI::App& app);
void add_ep_command(CLI::App& app);
#endif

// Exit code chosen by the subcommand that ran (0 unless it says otherwise).
int& exit_code();

}  // namespace moat::cli
