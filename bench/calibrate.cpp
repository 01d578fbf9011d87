#include "bench/calibrate.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/run_context.hpp"
#include "bench/timer.hpp"
#include "kernels/attention/common/cpu_tile.hpp"
#include "kernels/common/views.hpp"
#include "kernels/moe/common/grouped_gemm.hpp"

#if defined(KOKKOS_ENABLE_CUDA)
#include <cuda_runtime.h>
#endif

namespace moat {

namespace {

// A kernel that fails to launch takes no time and would report an absurd rate: fail instead.
void check_launches() {
#if defined(KOKKOS_ENABLE_CUDA)
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess)
    throw std::runtime_error(std::string("calibration kernel failed: ") + cudaGetErrorString(e));
#endif
}

// Best (minimum) time of `repeats` fenced executions of f.
template <class F>
double best_time(int repeats, F&& f) {
  f();  // warm-up
  Kokkos::fence();
  check_launches();
  double best = 1e30;
  KernelTimer timer;
  for (int r = 0; r < repeats; ++r) {
    timer.start();
    f();
    best = std::min(best, timer.stop());
  }
  check_launches();
  return best;
}

// Reads of two arrays of n floats, `passes` times, each thread visiting a rotating index so the
// compiler cannot hoist the loads: the bandwidth of whichever level holds 8 n bytes.
double read_bandwidth(std::int64_t n, int passes, int repeats) {
  View1<float> b(std::string("b"), n), c(std::string("c"), n), out(std::string("out"), n);
  Kokkos::deep_copy(b, 1.0f);
  Kokkos::deep_copy(c, 2.0f);
  double t = best_time(repeats, [&] {
    Kokkos::parallel_for(
        "moat::calibrate::read", RangePolicy(0, n), KOKKOS_LAMBDA(std::int64_t i) {
          float sum = 0.f;
          for (int p = 0; p < passes; ++p) {
            std::int64_t j = i + std::int64_t(p) * 4099;
            while (j >= n) j -= n;  // cheaper than % on every element
            sum += b(j) * c(j);
          }
          out(i) = sum;
        });
  });
  return 2.0 * 4.0 * double(n) * passes / t;
}

// Triad a = b + s c over n floats per array, counting 3 arrays of traffic.
double triad_bandwidth(std::int64_t n, int inner, int repeats) {
  View1<float> a(std::string("a"), n), b(std::string("b"), n), c(std::string("c"), n);
  Kokkos::deep_copy(b, 1.0f);
  Kokkos::deep_copy(c, 2.0f);
  const float s = 0.5f;
  double t = best_time(repeats, [&] {
    for (int k = 0; k < inner; ++k)
      Kokkos::parallel_for(
          "moat::calibrate::triad", RangePolicy(0, n),
          KOKKOS_LAMBDA(std::int64_t i) { a(i) = b(i) + s * c(i); });
  });
  return 3.0 * 4.0 * double(n) * inner / t;
}

// Independent multiply-add chains: what elementwise arithmetic attains with our compile flags.
double vector_fma_rate(int repeats) {
  const int lanes = 16;
  const std::int64_t items = kExecOnHost ? std::max(1, ExecSpace().concurrency()) * 64 : 132 * 2048 * 4;
  const int iters = kExecOnHost ? 20000 : 4096;
  View1<float> out(std::string("out"), items);
  double t = best_time(repeats, [&] {
    Kokkos::parallel_for(
        "moat::calibrate::fma", RangePolicy(0, items), KOKKOS_LAMBDA(std::int64_t i) {
          float acc[lanes];
          for (int j = 0; j < lanes; ++j) acc[j] = float(i + j) * 1e-3f;
          const float m = 0.999f, add = 1e-4f;
          for (int it = 0; it < iters; ++it)
            for (int j = 0; j < lanes; ++j) acc[j] = acc[j] * m + add;
          float sum = 0;
          for (int j = 0; j < lanes; ++j) sum += acc[j];
          out(i) = sum;
        });
  });
  return 2.0 * lanes * double(iters) * double(items) / t;
}

// exp() throughput over a cache-resident array.
double exp_rate(int repeats) {
  const std::int64_t n = kExecOnHost ? (1 << 16) : (1 << 24);
  const int passes = kExecOnHost ? 64 : 16;
  View1<float> x(std::string("x"), n);
  Kokkos::parallel_for(
      "moat::calibrate::exp_init", RangePolicy(0, n),
      KOKKOS_LAMBDA(std::int64_t i) { x(i) = -float(i % 1000) * 1e-3f; });
  double t = best_time(repeats, [&] {
    for (int p = 0; p < passes; ++p)
      Kokkos::parallel_for(
          "moat::calibrate::exp", RangePolicy(0, n),
          KOKKOS_LAMBDA(std::int64_t i) { x(i) = kx::exp(x(i)) - 1.0f; });
  });
  return double(n) * passes / t;
}

// Host: exp as the attention kernels' online softmax computes it on a host space (the vectorized
// exp of cpu_tile.hpp on a key-major tile, with each score's max, subtraction and sum), the host
// path that does most special-function work. Scalar exp() above runs several times slower than
// this on the same core.
double host_softmax_exp_rate(int repeats) {
  constexpr int rows = attention::cpu::kMaxTileRows, cols = attention::cpu::kMaxTileCols;
  constexpr int tiles = 4096;
  std::vector<float> scores(rows * cols), p(rows * cols), m(rows), l(rows), alpha(rows);
  for (int i = 0; i < rows * cols; ++i) scores[std::size_t(i)] = -float(i % 97) * 0.05f;
  float sink = 0;
  double t = best_time(repeats, [&] {
    for (int k = 0; k < tiles; ++k) {
      std::copy(scores.begin(), scores.end(), p.begin());  // the kernel's score tile write
      std::fill(m.begin(), m.end(), -3.402823e38f);
      std::fill(l.begin(), l.end(), 0.f);
      attention::cpu::tile_online_softmax_key_major(p.data(), m.data(), l.data(), alpha.data(),
                                                    rows, cols);
      sink += l[std::size_t(k % rows)];
    }
  });
  if (!(sink > 0)) throw std::runtime_error("calibration: softmax probe produced no sum");
  return double(rows) * cols * tiles / t;
}

// GEMM-shaped work through moat's grouped GEMM skeleton: the rate matrix-shaped kernels attain.
double grouped_gemm_rate(int m, int k, int n, int repeats) {
  View2<float> a(std::string("a"), m, k), c(std::string("c"), m, n);
  View3<float> b(std::string("b"), 1, k, n);
  Kokkos::deep_copy(a, 0.5f);
  Kokkos::deep_copy(b, 0.25f);
  const moe::DenseGemm gemm(m);  // the grouped path with a single expert
  double t = best_time(repeats, [&] {
    gemm(a, b, c);
  });
  return 2.0 * m * double(k) * n / t;
}

double launch_latency(int count) {
  std::vector<double> times;
  KernelTimer timer;
  View1<float> x(std::string("x"), 1);
  for (int i = 0; i < count; ++i) {
    timer.start();
    Kokkos::parallel_for(
        "moat::calibrate::empty", RangePolicy(0, 1), KOKKOS_LAMBDA(int j) { x(j) += 1.f; });
    times.push_back(timer.stop());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

std::size_t host_cache_bytes(int level_wanted) {
  std::size_t out = 0;
  for (int i = 0; i < 8; ++i) {
    std::string base = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    std::ifstream lf(base + "level"), sf(base + "size"), tf(base + "type");
    int level = 0;
    std::string size, type;
    if (!(lf >> level) || !(sf >> size) || !(tf >> type) || type == "Instruction") continue;
    if (level != level_wanted || size.empty()) continue;
    std::size_t mult = size.back() == 'K' ? 1024 : size.back() == 'M' ? 1024 * 1024 : 1;
    out = std::size_t(std::stoull(size)) * mult;
  }
  return out;
}

}  // namespace

model::HardwareProfile calibrate_this_machine(const CalibrationOptions& opts) {
  auto say = [&](const std::string& s) {
    if (opts.progress) opts.progress(s);
  };
  const int repeats = opts.quick ? 3 : 7;
  model::HardwareProfile p;
  p.id = host_profile_id();
  auto dev = device_context();
  auto host = host_context();
  p.name = dev.is_null() ? host["cpu"].get<std::string>() + " (" + kx::backend_name() + ")"
                         : dev["name"].get<std::string>();
  p.kind = kExecOnHost ? "cpu" : "gpu";
  p.provenance = "measured";
  const std::string src = "measured by moat calibrate" + std::string(opts.quick ? " --quick" : "") +
                          " on " + utc_now_iso8601();

  // Main memory: arrays well beyond the last-level cache.
  const std::int64_t big = kExecOnHost ? (opts.quick ? (24 << 20) : (48 << 20)) : (256 << 20);
  double dram = triad_bandwidth(big, 1, repeats);
  say("main memory bandwidth (triad): " + std::to_string(dram * 1e-9) + " GB/s");
  // Cache: a working set of half the L2 (host) or a few MB (device L2), swept many times.
  std::size_t l2 = kExecOnHost ? host_cache_bytes(2) : 0;
#if defined(KOKKOS_ENABLE_CUDA)
  {
    int d = 0, l2b = 0;
    cudaGetDevice(&d);
    cudaDeviceGetAttribute(&l2b, cudaDevAttrL2CacheSize, d);
    l2 = std::size_t(l2b);
  }
#endif
  if (l2 == 0) l2 = 1 << 20;
  // Host: triad repeated over arrays in half the L2 (dispatch is free there). Device: one launch
  // of rotating reads, since 50 short launches would measure launch latency, not L2.
  double cache = kExecOnHost ? triad_bandwidth(std::int64_t(l2 / 2 / 12), 200, repeats)
                             : read_bandwidth(std::int64_t(l2 / 2 / 8), 256, repeats);
  say("cache bandwidth (" + std::to_string(l2 / 2 / 1024) + " KiB working set): " +
      std::to_string(cache * 1e-9) + " GB/s");
  double vec = vector_fma_rate(repeats);
  say("vector FMA rate: " + std::to_string(vec * 1e-9) + " GFLOP/s");
  const int g = kExecOnHost ? (opts.quick ? 256 : 512) : 2048;
  double mat = grouped_gemm_rate(g, g, g, repeats);
  say("GEMM-shaped rate (grouped GEMM " + std::to_string(g) + "^3): " + std::to_string(mat * 1e-9) +
      " GFLOP/s");
  double ex = exp_rate(repeats);
  say("exp rate: " + std::to_string(ex * 1e-9) + " G/s");
  const double softmax_ex = kExecOnHost ? host_softmax_exp_rate(repeats) : 0;
  if (kExecOnHost)
    say("exp rate in the attention tile's softmax: " + std::to_string(softmax_ex * 1e-9) + " G/s");
  double lat = launch_latency(opts.quick ? 200 : 1000);
  say("dispatch latency: " + std::to_string(lat * 1e6) + " us");

  p.compute[DType::fp32] = {mat, vec};
  p.sources["compute.fp32.matrix_flops"] = src + " (grouped GEMM skeleton)";
  p.sources["compute.fp32.vector_flops"] = src + " (independent FMA chains)";
  p.special_ops_per_s = kExecOnHost ? softmax_ex : ex;
  p.sources["special_ops_per_s"] =
      src + (kExecOnHost ? " (vectorized exp + online-softmax step of the host attention tile)"
                         : " (exp over a cached array)");
  p.launch_latency_s = lat;
  p.sources["launch_latency_s"] = src + " (empty parallel_for + fence, median)";
  double main_capacity = dev.is_null() ? host["memory_bytes"].get<double>()
                                       : dev["memory_bytes"].get<double>();
  p.memory.push_back({kExecOnHost ? "L2" : "L2", double(l2), cache});
  p.memory.push_back({kExecOnHost ? "DRAM" : "HBM", main_capacity, dram});
  p.sources["memory.L2.bandwidth"] =
      src + (kExecOnHost ? " (triad in half the L2)" : " (rotating reads of two arrays in half the L2)");
  p.sources["memory.L2.capacity_bytes"] = kExecOnHost ? "sysfs cpu0 cache index" : "cudaDevAttrL2CacheSize";
  p.sources["memory." + p.memory.back().name + ".bandwidth"] = src + " (triad, 3 arrays counted)";
  p.sources["memory." + p.memory.back().name + ".capacity_bytes"] =
      kExecOnHost ? "/proc/meminfo MemTotal" : "cudaDeviceProp.totalGlobalMem";
  return p;
}

}  // namespace moat
