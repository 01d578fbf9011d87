#pragma once
// `moat compare`, `moat report` and `moat history`: subcommands over results documents
// (reports/). Each add_* function registers the subcommand, its --help text and its callback.
//
// Exit codes: the callbacks print their own message to stderr and throw CLI::RuntimeError(code),
// which CLI::App::exit turns into the exit code without printing anything more:
//   compare: 0 ok, 1 a confirmed SLOWER (see --fail-on), 2 bad input or refused comparison;
//   report:  0 ok, 2 bad input;
//   history: 0 ok, 1 an unaccepted regression (history check), 2 bad input.
#include <CLI/CLI.hpp>

#include "reports/compare.hpp"

namespace moat::cli {

void add_compare_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_history_command(CLI::App& app);

// The statistical settings shared by compare and report (--threshold, --alpha, ...).
void add_compare_settings(CLI::App& cmd, reports::CompareOptions& options);

// Runs `body`; a moat::Error becomes "moat NAME: MESSAGE" on stderr and exit code 2.
template <class Body>
void run_reporting_command(const char* name, Body&& body) {
  int code = 0;
  try {
    code = body();
  } catch (const CLI::Error&) {
    throw;
  } catch (const std::exception& e) {
    std::cerr << "moat " << name << ": " << e.what() << "\n";
    throw CLI::RuntimeError(2);
  }
  if (code != 0) throw CLI::RuntimeError(code);
}

}  // namespace moat::cli
