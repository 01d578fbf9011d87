// `moat ep`: the expert-parallel MoE layer across ranks (bench/ep/). One rank runs in this
// process over the loopback communicator; N ranks run one process and GPU each over NCCL, forked
// here before Kokkos starts, and rank 0 writes the merged results document.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "apps/moat/commands.hpp"
#include "bench/ep/ep_benchmark.hpp"
#include "bench/ep/loopback_communicator.hpp"
#include "bench/ep/rank_processes.hpp"
#include "bench/host_profile.hpp"
#include "bench/results_writer.hpp"
#include "bench/run_context.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "kernels/common/compat.hpp"
#if MOAT_HAS_NCCL
#include "bench/ep/nccl_communicator.hpp"
#endif

namespace moat::cli {

namespace {

struct EpArgs {
  int ranks = 1;
  std::string communicator = "auto";
  ep::EpLayerConfig layer;
  int repetitions = 20;
  int warmup = 2;
  std::string hardware = "auto";
  std::string out;
};

std::string command_line(const EpArgs& a) {
  std::ostringstream os;
  os << "moat ep --ranks " << a.ranks << " --communicator " << a.communicator
     << " --tokens-per-rank " << a.layer.tokens_per_rank << " --hidden " << a.layer.hidden
     << " --ffn " << a.layer.ffn << " --experts " << a.layer.experts << " --top-k " << a.layer.top_k
     << " --seed " << a.layer.seed << " --hardware " << a.hardware;
  return os.str();
}

std::string default_out_path() {
  std::string stamp = utc_now_iso8601();
  for (auto& ch : stamp)
    if (ch == ':') ch = '-';
  return "results/runs/ep-" + stamp + ".json";
}

// Runs on every rank once Kokkos is up; returns the exit code.
int run_rank(const EpArgs& a, ep::Communicator& comm) {
  std::optional<model::HardwareProfile> profile;
  std::string profile_path;
  if (comm.rank() == 0) {
    ResolvedHardware hw = resolve_hardware(a.hardware);
    profile = std::move(hw.profile);
    profile_path = hw.path;
  }
  ep::EpBenchmarkOptions o;
  o.layer = a.layer;
  o.repetitions = a.repetitions;
  o.warmup_runs = a.warmup;
  o.hardware = profile ? &*profile : nullptr;
  o.hardware_path = profile_path;
  o.command = command_line(a);
  const nlohmann::json doc = ep::run_ep_benchmark(o, comm);
  if (comm.rank() != 0) return 0;
  const std::string out = a.out.empty() ? default_out_path() : a.out;
  write_file_atomically(out, doc.dump(1) + "\n");
  bool ok = true;
  std::printf("%-16s %12s %12s %8s  %s\n", "phase", "median ms", "predicted ms", "ratio", "status");
  for (const auto& c : doc["cases"]) {
    const bool timed = c["status"] == "ok";
    ok = ok && timed;
    const double median = timed ? c["summary"]["median_s"].get<double>() * 1e3 : NAN;
    const double predicted =
        c["prediction"].is_null() ? NAN : c["prediction"]["seconds"].get<double>() * 1e3;
    const double ratio =
        c["measured_over_predicted"].is_null() ? NAN : c["measured_over_predicted"].get<double>();
    std::printf("%-16s %12.4g %12.4g %8.3g  %s\n",
                c["variant"].get<std::string>().substr(3).c_str(), median, predicted, ratio,
                c["status"].get<std::string>().c_str());
  }
  if (!ok) std::cerr << "moat ep: " << doc["cases"][0]["reason"].dump() << "\n";
  std::cerr << "moat: results written to " << out << "\n";
  return ok ? 0 : 1;
}

#if MOAT_HAS_NCCL
Kokkos::ScopeGuard kokkos_on_device(int device) {
#if MOAT_KOKKOS_AT_LEAST(3, 7)
  return Kokkos::ScopeGuard(Kokkos::InitializationSettings().set_device_id(device));
#else
  Kokkos::InitArguments args;
  args.device_id = device;
  return Kokkos::ScopeGuard(args);
#endif
}

int run_nccl(const EpArgs& a) {
  ep::keep_nvlink_multicast_off();  // inherited by every rank process
  const int gpus = ep::visible_gpu_count();
  if (a.ranks > gpus)
    throw Error("--ranks " + std::to_string(a.ranks) + ": only " + std::to_string(gpus) +
                " GPUs are visible (one rank per GPU)");
  ep::RankProcesses procs(a.ranks);
  int code = 0;
  try {
    auto kokkos = kokkos_on_device(procs.rank());
    ep::NcclUniqueId id{};
    if (procs.rank() == 0) id = ep::new_nccl_unique_id();
    procs.broadcast(id);
    ep::NcclCommunicator comm(procs.rank(), procs.size(), id, Kokkos::Cuda().cuda_stream());
    code = run_rank(a, comm);
  } catch (const std::exception& e) {
    // A failing rank leaves the others waiting in NCCL; say which one failed.
    std::cerr << "moat ep: rank " << procs.rank() << ": " << e.what() << "\n";
    code = 2;
  }
  const int children = procs.wait_children();
  return code != 0 ? code : children;
}
#endif

int run_ep(const EpArgs& a) {
  std::string kind = a.communicator;
  if (kind == "auto") kind = a.ranks == 1 ? "loopback" : "nccl";
  if (kind == "loopback") {
    if (a.ranks != 1)
      throw Error("--ranks " + std::to_string(a.ranks) +
                  ": the loopback communicator has exactly one rank (use --communicator nccl)");
    Kokkos::ScopeGuard kokkos;
    ep::LoopbackCommunicator comm;
    return run_rank(a, comm);
  }
#if MOAT_HAS_NCCL
  return run_nccl(a);
#else
  throw Error(
      "--communicator nccl: this build has no NCCL (a CUDA Kokkos build finds it; see "
      "MOAT_WITH_NCCL in bench/ep/CMakeLists.txt)");
#endif
}

}  // namespace

void add_ep_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "ep", "Expert-parallel MoE layer across ranks: per-phase times beside the model");
  static EpArgs a;
  cmd->add_option("--ranks", a.ranks, "Ranks, one GPU each (loopback: 1)")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--communicator", a.communicator,
                  "auto | loopback | nccl (auto: loopback for 1 rank)")
      ->check(CLI::IsMember({"auto", "loopback", "nccl"}));
  cmd->add_option("--tokens-per-rank", a.layer.tokens_per_rank, "Tokens each rank routes")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--hidden", a.layer.hidden, "Model (hidden) dimension")
      ->check(CLI::Range(1, 1 << 16));
  cmd->add_option("--ffn", a.layer.ffn, "Expert FFN intermediate dimension")
      ->check(CLI::Range(1, 1 << 17));
  cmd->add_option("--experts", a.layer.experts, "Routed experts (a multiple of --ranks)")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--top-k", a.layer.top_k, "Experts per token")->check(CLI::Range(1, 4096));
  cmd->add_option("--repetitions", a.repetitions, "Timed runs")->check(CLI::Range(1, 100000));
  cmd->add_option("--warmup", a.warmup, "Untimed runs after the check")->check(CLI::Range(0, 1000));
  cmd->add_option("--seed", a.layer.seed, "Seed of weights and tokens");
  cmd->add_option("--hardware", a.hardware,
                  "Profile for predictions: auto (this machine, calibrated), none, or a TOML file");
  cmd->add_option("-o,--out", a.out, "Results JSON path (default results/runs/ep-<time>.json)");
  cmd->callback([] { exit_code() = run_ep(a); });
}

}  // namespace moat::cli
