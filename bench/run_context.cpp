#include "bench/run_context.hpp"

#include <unistd.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <thread>

#include "kernels/common/compat.hpp"

#if defined(KOKKOS_ENABLE_CUDA)
#include <cuda_runtime.h>
#endif

namespace moat {

namespace {

std::string run_command(const std::string& cmd) {
  std::array<char, 256> buf{};
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {};
  while (fgets(buf.data(), int(buf.size()), p)) out += buf.data();
  pclose(p);
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

std::string read_field(const char* file, const std::string& key) {
  std::ifstream f(file);
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) {
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      auto v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  return {};
}

}  // namespace

nlohmann::json git_context() {
  const std::string dir = MOAT_SOURCE_DIR;
  std::string sha = run_command("git -C '" + dir + "' rev-parse HEAD 2>/dev/null");
  if (sha.empty()) return {{"sha", nullptr}, {"dirty", nullptr}};
  std::string status = run_command("git -C '" + dir + "' status --porcelain --untracked-files=no 2>/dev/null");
  return {{"sha", sha}, {"dirty", !status.empty()}};
}

nlohmann::json build_context() {
  return {{"type", MOAT_BUILD_TYPE},
          {"compiler", MOAT_COMPILER},
          {"flags", MOAT_CXX_FLAGS},
          {"moat_version", MOAT_VERSION}};
}

nlohmann::json kokkos_context() {
  return {{"version", kx::version_string()}, {"execution_space", kx::backend_name()},
          {"concurrency", Kokkos::DefaultExecutionSpace().concurrency()}};
}

nlohmann::json host_context() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  std::string mem = read_field("/proc/meminfo", "MemTotal");
  double mem_bytes = mem.empty() ? 0 : std::stod(mem) * 1024.0;
  return {{"hostname", name},
          {"cpu", read_field("/proc/cpuinfo", "model name")},
          {"logical_cores", std::thread::hardware_concurrency()},
          {"memory_bytes", mem_bytes}};
}

nlohmann::json device_context() {
#if defined(KOKKOS_ENABLE_CUDA)
  int dev = 0;
  cudaGetDevice(&dev);
  cudaDeviceProp p{};
  cudaGetDeviceProperties(&p, dev);
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  return {{"name", p.name},
          {"compute_capability", std::to_string(p.major) + "." + std::to_string(p.minor)},
          {"multiprocessors", p.multiProcessorCount},
          {"memory_bytes", double(p.totalGlobalMem)},
          {"l2_bytes", p.l2CacheSize},
          {"cuda_driver", driver},
          {"cuda_runtime", runtime}};
#else
  return nullptr;
#endif
}


std::string host_profile_id() {
  auto host = host_context();
  auto dev = device_context();
  std::string id = dev.is_null() ? host["cpu"].get<std::string>() : dev["name"].get<std::string>();
  id += "-" + kx::backend_name();
  std::string clean;
  for (char c : id) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      clean += char(std::tolower(static_cast<unsigned char>(c)));
    else if (!clean.empty() && clean.back() != '-')
      clean += '-';
  }
  while (!clean.empty() && clean.back() == '-') clean.pop_back();
  return clean.empty() ? "host" : clean;
}

}  // namespace moat
