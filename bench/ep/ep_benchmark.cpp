#include "bench/ep/ep_benchmark.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <optional>

#include "bench/run_context.hpp"
#include "bench/stats.hpp"
#include "bench/timer.hpp"
#include "core/error.hpp"
#include "kernels/common/compat.hpp"
#include "model/models/routing.hpp"

namespace moat::ep {

namespace {

// all_gather carries int64 values; doubles travel bit for bit.
std::vector<double> gather_doubles(Communicator& comm, const std::vector<double>& mine) {
  std::vector<std::int64_t> bits(mine.size()), all(mine.size() * std::size_t(comm.size()));
  for (std::size_t i = 0; i < mine.size(); ++i) bits[i] = std::bit_cast<std::int64_t>(mine[i]);
  comm.all_gather(bits, all);
  std::vector<double> out(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) out[i] = std::bit_cast<double>(all[i]);
  return out;
}

std::string case_name(const std::string& phase, const EpLayerConfig& c, int ranks) {
  return "ep." + phase + "?tokens_per_rank=" + std::to_string(c.tokens_per_rank) +
         ",hidden=" + std::to_string(c.hidden) + ",ffn=" + std::to_string(c.ffn) +
         ",experts=" + std::to_string(c.experts) + ",top_k=" + std::to_string(c.top_k) +
         ",ranks=" + std::to_string(ranks);
}

nlohmann::json work_json(const Cost& c) {
  return {{"flops_matrix", c.flops_matrix}, {"flops_vector", c.flops_vector},
          {"special_ops", c.special_ops},   {"bytes_dram", c.bytes_dram},
          {"bytes_onchip", c.bytes_onchip}, {"launches", c.launches}};
}

struct MergedCheck {
  CheckReport report;
  bool rows_conserved = true;
  std::string detail;
};

// Every rank's check and row counts, merged: ok only if every rank is ok.
MergedCheck merged_check(Communicator& comm, const EpLayer& layer, const CheckReport& mine) {
  const EpTraffic& t = layer.traffic();
  const std::vector<double> all =
      gather_doubles(comm, {mine.ok ? 1.0 : 0.0, mine.rel_l2_error, mine.max_abs_error,
                            mine.tolerance, double(mine.checked), double(t.rows_permuted),
                            double(t.rows_sent), double(t.rows_received), double(t.rows_returned)});
  constexpr std::size_t fields = 9;
  const int n = comm.size();
  const EpLayerConfig& c = layer.config();
  MergedCheck m;
  m.report.ok = true;
  double sent = 0, received = 0;
  for (int r = 0; r < n; ++r) {
    const double* f = &all[std::size_t(r) * fields];
    if (f[0] == 0) {
      m.report.ok = false;
      m.detail += "rank " + std::to_string(r) + " differs from the single-GPU layer. ";
    }
    m.report.rel_l2_error = std::max(m.report.rel_l2_error, f[1]);
    m.report.max_abs_error = std::max(m.report.max_abs_error, f[2]);
    m.report.tolerance = f[3];
    m.report.checked += std::int64_t(f[4]);
    const double assignments = double(c.tokens_per_rank) * c.top_k;
    if (f[5] != assignments || f[6] != assignments || f[8] != assignments) {
      m.rows_conserved = false;
      m.detail += "rank " + std::to_string(r) + " permuted/sent/got back " + std::to_string(f[5]) +
                  "/" + std::to_string(f[6]) + "/" + std::to_string(f[8]) + " rows, not " +
                  std::to_string(assignments) + ". ";
    }
    sent += f[6];
    received += f[7];
  }
  // Every row sent is received exactly once: the all-to-all neither loses nor duplicates rows.
  if (sent != received) {
    m.rows_conserved = false;
    m.detail += "ranks sent " + std::to_string(sent) + " rows but received " +
                std::to_string(received) + ". ";
  }
  if (!m.report.ok && mine.detail.size())
    m.detail += "rank " + std::to_string(comm.rank()) + ": " + mine.detail;
  m.report.ok = m.report.ok && m.rows_conserved;
  m.report.detail = m.detail;
  return m;
}

}  // namespace

model::ExpertParallelEstimate predict_ep_layer(const EpLayerConfig& c, int ranks,
                                               const model::HardwareProfile& hw) {
  model::ExpertParallelLayer l;
  l.hidden = c.hidden;
  l.expert_ffn = c.ffn;
  l.experts = c.experts;
  l.top_k = c.top_k;
  l.tokens_per_rank = c.tokens_per_rank;
  l.activations = l.dispatch_format = l.combine_format = l.expert_weights = "fp32";
  l.routing = model::uniform_routing(c.experts, c.top_k);
  return model::estimate_expert_parallel(l, hw, {1, ranks});
}

nlohmann::json run_ep_benchmark(const EpBenchmarkOptions& o, Communicator& comm) {
  if (o.repetitions < 1 || o.warmup_runs < 0)
    throw Error("--repetitions must be >= 1 and --warmup >= 0");
  const int n = comm.size();
  const std::string started = utc_now_iso8601();
  EpLayer layer(o.layer, comm);

  // Correctness first: a wrong layer is never reported as a timing.
  layer.run();
  const MergedCheck check = merged_check(comm, layer, layer.check());
  const EpTraffic traffic = layer.traffic();

  std::vector<PhaseTimes> samples;
  if (check.report.ok) {
    for (int i = 0; i < o.warmup_runs; ++i) layer.run();
    for (int i = 0; i < o.repetitions; ++i) {
      comm.barrier();  // ranks start each sample together
      PhaseTimes t{};
      layer.run(&t);
      samples.push_back(t);
    }
  }
  std::vector<double> mine;
  for (const auto& t : samples) mine.insert(mine.end(), t.begin(), t.end());
  const std::vector<double> all = gather_doubles(comm, mine);
  if (comm.rank() != 0) return nullptr;

  // A phase ends when its slowest rank ends: each sample is the maximum over ranks.
  const std::size_t per_rank = mine.size();
  auto rank_time = [&](int r, std::size_t rep, std::size_t phase) {
    return all[std::size_t(r) * per_rank + rep * kPhaseCount + phase];
  };
  std::optional<model::ExpertParallelEstimate> prediction;
  std::string prediction_error;
  if (o.hardware) {
    try {
      prediction = predict_ep_layer(o.layer, n, *o.hardware);
    } catch (const Error& e) {
      prediction_error = e.what();
    }
  }

  // Measured load: the busiest rank's received rows over the mean.
  const int El = layer.local_experts();
  double busiest = 0;
  for (int r = 0; r < n; ++r) {
    double rows = 0;
    for (int s = 0; s < n; ++s)
      for (int e = r * El; e < (r + 1) * El; ++e)
        rows += double(traffic.counts[std::size_t(s) * o.layer.experts + e]);
    busiest = std::max(busiest, rows);
  }
  const double mean_rows = double(o.layer.tokens_per_rank) * o.layer.top_k;

  nlohmann::json run;
  run["command"] = o.command;
  run["scenarios"] = nlohmann::json::array();
  run["started_at"] = started;
  run["finished_at"] = utc_now_iso8601();
  run["git"] = git_context();
  run["build"] = build_context();
  run["kokkos"] = kokkos_context();
  run["host"] = host_context();
  run["device"] = device_context();
  run["hardware_profile"] = o.hardware ? nlohmann::json{{"id", o.hardware->id},
                                                        {"name", o.hardware->name},
                                                        {"path", o.hardware_path},
                                                        {"provenance", o.hardware->provenance}}
                                       : nlohmann::json(nullptr);
  run["timing"] = {{"method", KernelTimer::method}, {"cache", "warm"},
                   {"repetitions", o.repetitions},  {"min_time_s", 0},
                   {"warmup_runs", o.warmup_runs},  {"seed", o.layer.seed}};
  const char* nvls = std::getenv("NCCL_NVLS_ENABLE");
  run["expert_parallel"] = {
      {"ranks", n},
      {"communicator", comm.name()},
      {"processes", comm.name() == "nccl" ? n : 1},
      {"nccl_nvls_enable", nvls ? nlohmann::json(nvls) : nlohmann::json(nullptr)},
      {"sample", "per phase, the maximum over ranks of each rank's time"}};

  nlohmann::json params = {{"tokens_per_rank", o.layer.tokens_per_rank},
                           {"hidden", o.layer.hidden},
                           {"ffn", o.layer.ffn},
                           {"experts", o.layer.experts},
                           {"top_k", o.layer.top_k},
                           {"ranks", n}};
  nlohmann::json cases = nlohmann::json::array();
  auto add_case = [&](const std::string& phase, const std::vector<double>& seconds,
                      const std::vector<double>& rank_medians, const model::PhaseEstimate* p,
                      const Cost* work, double predicted_s, double low_s, double high_s) {
    nlohmann::json r;
    r["name"] = case_name(phase, o.layer, n);
    r["variant"] = "ep." + phase;
    r["family"] = "moe/expert-parallel";
    r["implementation"] = comm.name();
    r["params"] = params;
    r["dtype"] = "fp32";
    r["backend"] = kx::backend_name();
    r["cache"] = "warm";
    r["id"] =
        r["name"].get<std::string>() + "|fp32|" + comm.name() + "|" + kx::backend_name() + "|warm";
    r["status"] = check.report.ok ? "ok" : "wrong_result";
    r["reason"] = check.report.ok ? nlohmann::json(nullptr) : nlohmann::json(check.detail);
    r["check"] = {
        {"ok", check.report.ok},
        {"rel_l2_error", check.report.rel_l2_error},
        {"max_abs_error", check.report.max_abs_error},
        {"tolerance", check.report.tolerance},
        {"checked", check.report.checked},
        {"reference", "the single-GPU layer (RoutedPipeline, every expert) on each rank's tokens"}};
    if (work) r["work"] = work_json(*work);
    if (prediction) {
      r["prediction"] = {{"seconds", predicted_s},
                         {"low_s", low_s},
                         {"high_s", high_s},
                         {"hardware", o.hardware->id},
                         {"bound", p ? p->bound : "sum of phases"},
                         {"network_s", p ? p->network_s : 0.0},
                         {"network_bytes", p ? p->network_bytes : 0.0},
                         {"link", prediction->link.name}};
    } else {
      r["prediction"] = nullptr;
      if (!prediction_error.empty()) r["prediction_error"] = prediction_error;
    }
    r["measured_over_predicted"] = nullptr;
    if (check.report.ok) {
      const SampleSummary s = summarize_samples(seconds);
      r["timing_method"] = KernelTimer::method;
      r["samples_s"] = seconds;
      r["iterations_per_sample"] = 1;
      r["summary"] = {{"median_s", s.median}, {"mean_s", s.mean},       {"min_s", s.min},
                      {"max_s", s.max},       {"stddev_s", s.stddev},   {"cv", s.cv},
                      {"ci_low_s", s.ci_low}, {"ci_high_s", s.ci_high}, {"ci_level", s.ci_level}};
      if (work && s.median > 0)
        r["achieved"] = {{"gflops", work->flops() / s.median * 1e-9},
                         {"gbytes_per_s", work->bytes_dram / s.median * 1e-9}};
      if (prediction && predicted_s > 0) r["measured_over_predicted"] = s.median / predicted_s;
    }
    r["counters"] = {{"rows_per_rank_mean", mean_rows},
                     {"rows_busiest_rank", busiest},
                     {"load_imbalance", busiest / mean_rows},
                     {"rank_median_s", rank_medians}};
    if (prediction) {
      r["counters"]["predicted_rows_busiest_rank"] = prediction->busiest_rank_rows;
      r["counters"]["predicted_load_imbalance"] = prediction->imbalance;
    }
    r["repro"] = o.command;
    cases.push_back(std::move(r));
  };

  const std::size_t reps = samples.size();
  std::vector<double> layer_samples(reps, 0.0);
  std::vector<double> layer_rank_medians;
  for (std::size_t phase = 0; phase < kPhaseCount; ++phase) {
    std::vector<double> seconds(reps, 0.0);
    std::vector<double> rank_medians;
    for (int r = 0; r < n; ++r) {
      std::vector<double> own;
      for (std::size_t i = 0; i < reps; ++i) {
        own.push_back(rank_time(r, i, phase));
        seconds[i] = std::max(seconds[i], own.back());
      }
      rank_medians.push_back(own.empty() ? 0.0 : summarize_samples(own).median);
    }
    const std::string name = ep_phase_names()[phase];
    const model::PhaseEstimate* p = prediction ? &prediction->phase(name) : nullptr;
    add_case(name, seconds, rank_medians, p, p ? &p->work : nullptr, p ? p->seconds : 0,
             p ? p->low_s : 0, p ? p->high_s : 0);
  }
  // The whole layer: each rank's phases in sequence; the layer ends with its slowest rank.
  for (int r = 0; r < n; ++r) {
    std::vector<double> own;
    for (std::size_t i = 0; i < reps; ++i) {
      double sum = 0;
      for (std::size_t phase = 0; phase < kPhaseCount; ++phase) sum += rank_time(r, i, phase);
      own.push_back(sum);
      layer_samples[i] = std::max(layer_samples[i], sum);
    }
    layer_rank_medians.push_back(own.empty() ? 0.0 : summarize_samples(own).median);
  }
  Cost layer_work;
  if (prediction)
    for (const auto& p : prediction->phases) layer_work += p.work;
  add_case("layer", layer_samples, layer_rank_medians, nullptr, prediction ? &layer_work : nullptr,
           prediction ? prediction->total_s : 0, prediction ? prediction->low_s : 0,
           prediction ? prediction->high_s : 0);

  return {{"schema", "moat.results"},
          {"schema_version", 1},
          {"status", "complete"},
          {"run", run},
          {"cases", cases}};
}

}  // namespace moat::ep
