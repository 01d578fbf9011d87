#include "bench/harness.hpp"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <memory>

#include "bench/cache_flush.hpp"
#include "bench/instruction_count.hpp"
#include "bench/stats.hpp"
#include "bench/timer.hpp"
#include "kernels/common/instance.hpp"

namespace moat {

namespace {

// Google Benchmark 1.8 renamed error_occurred/error_message to skipped/skip_message.
template <class Run>
std::string failure_of(const Run& r) {
  if constexpr (requires { r.error_occurred; })
    return r.error_occurred ? (r.error_message.empty() ? "error" : r.error_message) : "";
  else
    return r.skipped ? (r.skip_message.empty() ? "skipped" : r.skip_message) : "";
}

// Collects the per-repetition times Google Benchmark measured (manual time, seconds).
class SampleCollector : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration) continue;
      if (std::string e = failure_of(r); !e.empty()) {
        error = e;
        continue;
      }
      iterations = r.iterations;
      samples.push_back(r.real_accumulated_time / double(r.iterations));
    }
  }
  std::vector<double> samples;
  std::int64_t iterations = 0;
  std::string error;
};

void init_google_benchmark() {
  static bool done = [] {
    int argc = 1;
    char name[] = "moat";
    char* argv[] = {name, nullptr};
    benchmark::Initialize(&argc, argv);
    return true;
  }();
  (void)done;
}

// Test hook for the A/B regression experiment: MOAT_INJECT_SLOWDOWN=variant:fraction makes
// that variant's timed region longer by `fraction` of the kernel's own time (busy wait on the
// host after the kernel), and, in deterministic mode, its instruction count by `fraction`
// (count_case_instructions).
double injected_slowdown(const std::string& variant) {
  const char* env = std::getenv("MOAT_INJECT_SLOWDOWN");
  if (!env) return 0;
  std::string s(env);
  auto colon = s.find(':');
  if (colon == std::string::npos || s.substr(0, colon) != variant) return 0;
  return std::atof(s.c_str() + colon + 1);
}

void spin_for(double seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
  }
}

// Everything before timing: the instance, its oracle check and the warm-up. Returns null (with
// `r`'s status and reason set) when the case does not reach timing.
std::unique_ptr<KernelInstance> prepare(const Case& c, const HarnessOptions& opts,
                                        nlohmann::json& r) {
  r["status"] = "error";
  if (!c.skip_reason.empty()) {
    r["status"] = "skipped";
    r["reason"] = c.skip_reason;
    return nullptr;
  }
  const auto& impls = variant_implementations();
  auto vit = impls.find(c.spec->name);
  if (vit == impls.end() || !vit->second.count(c.implementation)) {
    // Not compiled into this build (e.g. a CPU-only vendor baseline on a CUDA build): nothing
    // to run here, so skipped with the reason, like a scenario's [[sweep.skip]], not a failure.
    r["status"] = "skipped";
    std::string have;
    if (vit != impls.end())
      for (const auto& [name, _] : vit->second) have += (have.empty() ? "" : ", ") + name;
    r["reason"] = "implementation '" + c.implementation + "' is not in this build" +
                  (have.empty() ? std::string() : " (available: " + have + ")");
    return nullptr;
  }
  std::unique_ptr<KernelInstance> instance;
  try {
    instance = vit->second.at(c.implementation)(InstanceRequest{c.params, c.dtype, opts.seed});
  } catch (const UnsupportedCase& e) {  // e.g. a vendor baseline asked for a dtype it lacks
    r["status"] = "skipped";
    r["reason"] = e.what();
    return nullptr;
  }
  CheckReport check = instance->check();
  r["check"] = {{"ok", check.ok},
                {"rel_l2_error", check.rel_l2_error},
                {"max_abs_error", check.max_abs_error},
                {"tolerance", check.tolerance},
                {"checked", check.checked}};
  if (!check.ok) {
    r["status"] = "wrong_result";
    r["reason"] = check.detail;
    return nullptr;
  }
  for (int i = 0; i < opts.timing.warmup_runs; ++i) instance->run();
  Kokkos::fence();
  return instance;
}

}  // namespace

nlohmann::json run_case(const Case& c, const HarnessOptions& opts) {
  nlohmann::json r = predict_case(c, opts.hardware, opts.repro_prefix, kx::backend_name());
  r["cache"] = opts.timing.cache;
  r["id"] = c.name + "|" + to_string(c.dtype) + "|" + c.implementation + "|" +
            r["backend"].get<std::string>() + "|" + opts.timing.cache;
  try {
    auto instance = prepare(c, opts, r);
    if (!instance) return r;

    const bool cold = opts.timing.cache == "cold";
    const double slowdown = injected_slowdown(c.spec->name);
    CacheFlusher flusher(cold);
    init_google_benchmark();
    benchmark::ClearRegisteredBenchmarks();
    benchmark::RegisterBenchmark(
        c.name.c_str(),
        [&](benchmark::State& state) {
          KernelTimer timer;
          for (auto _ : state) {
            if (cold) flusher.flush();
            timer.start();
            instance->run();
            if (slowdown > 0)
              spin_for(slowdown * timer.stop());  // stop() fences, may be called twice
            state.SetIterationTime(timer.stop());
          }
        })
        ->UseManualTime()
        ->MinTime(opts.timing.min_time_s)
        ->Repetitions(opts.timing.repetitions)
        ->ReportAggregatesOnly(false);
    SampleCollector collector;
    benchmark::RunSpecifiedBenchmarks(&collector);
    benchmark::ClearRegisteredBenchmarks();
    if (!collector.error.empty() || collector.samples.empty()) {
      r["reason"] = "timing failed: " + (collector.error.empty() ? "no samples" : collector.error);
      return r;
    }
    SampleSummary s = summarize_samples(collector.samples);
    r["status"] = "ok";
    r["timing_method"] = KernelTimer::method;
    r["samples_s"] = collector.samples;
    r["iterations_per_sample"] = collector.iterations;
    r["summary"] = {{"median_s", s.median}, {"mean_s", s.mean},       {"min_s", s.min},
                    {"max_s", s.max},       {"stddev_s", s.stddev},   {"cv", s.cv},
                    {"ci_low_s", s.ci_low}, {"ci_high_s", s.ci_high}, {"ci_level", s.ci_level}};
    const auto& w = r["work"];
    const double flops = w["flops_matrix"].get<double>() + w["flops_vector"].get<double>();
    r["achieved"] = {{"gflops", flops / s.median * 1e-9},
                     {"gbytes_per_s", w["bytes_dram"].get<double>() / s.median * 1e-9}};
    if (!r["prediction"].is_null())
      r["measured_over_predicted"] = s.median / r["prediction"]["seconds"].get<double>();
    nlohmann::json counters = nlohmann::json::object();
    for (const auto& [k, v] : instance->counters()) counters[k] = v;
    r["counters"] = counters;
  } catch (const std::exception& e) {
    r["status"] = "error";
    r["reason"] = e.what();
  }
  return r;
}

std::string count_case_instructions(const Case& c, const HarnessOptions& opts, std::size_t index,
                                    const std::string& dump_dir) {
  nlohmann::json r;
  try {
    auto instance = prepare(c, opts, r);
    if (!instance) return r["reason"].is_string() ? r["reason"].get<std::string>() : "not run";
    const std::string label = case_dump_label(index);
    auto timed_region = [&] {
      instance->run();
      Kokkos::fence();
    };
    const double slowdown = injected_slowdown(c.spec->name);
    if (slowdown <= 0) {
      count_instructions(label, timed_region);
      return "";
    }
    // Injected slowdown: count the clean region and the burn loop's cost per step first, then
    // add `slowdown` x the clean count of loop steps, a deterministic +slowdown in instructions.
    constexpr std::uint64_t probe_steps = 1 << 20;
    count_instructions(label + "-probe", timed_region);
    count_instructions(label + "-loop", [] { burn_loop(probe_steps); });
    const auto probes = read_callgrind_dumps(dump_dir);
    const double per_step = double(probes.at(label + "-loop")) / double(probe_steps);
    const auto steps = std::uint64_t(slowdown * double(probes.at(label + "-probe")) / per_step);
    count_instructions(label, [&] {
      timed_region();
      burn_loop(steps);
    });
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace moat
