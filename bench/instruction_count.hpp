#pragma once
// Deterministic mode (`moat run --instructions`): the instruction count of one execution of each
// case's timed region, measured by valgrind's callgrind.
//
// The parent `moat run` re-executes itself once, under
//   valgrind --tool=callgrind --collect-atstart=no --instr-atstart=no --callgrind-out-file=DIR/...
// with the hidden flag `--instructions-child DIR`. The child checks and warms up every case like a
// normal run, then counts exactly one execution of the timed region with collection switched on
// only around it, and dumps that count labelled `moat-case-<index>`. The parent reads the dumps'
// totals from DIR. A normal run never touches any of this.
#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace moat {

// True inside valgrind (callgrind's client requests are no-ops elsewhere).
bool running_under_valgrind();

// Child: counts the instructions of fn() alone and dumps them labelled `label`.
void count_instructions(const std::string& label, const std::function<void()>& fn);

// The dump label of case `index` (0-based over all cases of the run, in run order).
std::string case_dump_label(std::size_t index);

// One callgrind dump file: its trigger label (`desc: Trigger: Client Request: LABEL`, empty when
// not a client-request dump) and its Ir total (`totals:`, else `summary:`).
struct CallgrindDump {
  std::string label;
  std::optional<std::uint64_t> instructions;
};
CallgrindDump parse_callgrind_dump(std::istream& in);

// Every client-request dump under `dir`: label -> instructions.
std::map<std::string, std::uint64_t> read_callgrind_dumps(const std::string& dir);

// Parent: runs `self_args` (this binary's arguments, argv[0] excluded) under callgrind writing
// its dumps into `dir`, and returns the child's exit status. Throws moat::Error naming
// --instructions when valgrind is missing.
int run_self_under_callgrind(const std::vector<std::string>& self_args, const std::string& dir);

// "valgrind-3.19.0" (or the error text naming --instructions when valgrind is missing).
std::string valgrind_version();

// Test hook for the deterministic A/B experiment (MOAT_INJECT_SLOWDOWN): a loop of `iterations`
// steps the optimiser cannot remove, a fixed number of instructions each.
void burn_loop(std::uint64_t iterations);

}  // namespace moat
