#pragma once
// Runs one case: correctness against the oracle first, then timing through Google Benchmark
// (manual time per execution, fenced), with the model's prediction beside the measurement.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/case_record.hpp"
#include "model/hardware_profile.hpp"
#include "scenario/scenario.hpp"

namespace moat {

struct HarnessOptions {
  TimingOptions timing;
  std::uint64_t seed = 1;
  const model::HardwareProfile* hardware = nullptr;  // prediction source; null: no prediction
  std::string repro_prefix;  // "moat run scenarios/x.toml --preset ci"
};

// The full case record of docs/results-schema.md. Never throws for a failing case: failures
// become status "error" / "wrong_result" with a reason.
nlohmann::json run_case(const Case& c, const HarnessOptions& opts);

// Deterministic mode, inside the callgrind child of `moat run --instructions`
// (bench/instruction_count.hpp): prepares the case exactly like run_case (oracle check, warm-up),
// then counts one execution of its timed region (kernel + fence) as the dump
// case_dump_label(index) in `dump_dir`. Returns "" when counted, else why not.
std::string count_case_instructions(const Case& c, const HarnessOptions& opts, std::size_t index,
                                    const std::string& dump_dir);

}  // namespace moat
