#include "bench/cache_flush.hpp"

#include <fstream>
#include <string>

#if defined(KOKKOS_ENABLE_CUDA)
#include <cuda_runtime.h>
#endif

namespace moat {

namespace {
// Bytes of the largest cache: device L2 on CUDA, else the biggest level in sysfs.
std::size_t largest_cache_bytes() {
#if defined(KOKKOS_ENABLE_CUDA)
  int dev = 0, l2 = 0;
  cudaGetDevice(&dev);
  cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev);
  if (l2 > 0) return std::size_t(l2);
#endif
  std::size_t best = 0;
  for (int i = 0; i < 8; ++i) {
    std::ifstream f("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/size");
    std::string s;
    if (!(f >> s) || s.empty()) continue;
    std::size_t mult = s.back() == 'K' ? 1024 : s.back() == 'M' ? 1024 * 1024 : 1;
    best = std::max(best, std::size_t(std::stoull(s)) * mult);
  }
  return best ? best : std::size_t(64) << 20;
}
}  // namespace

CacheFlusher::CacheFlusher(bool enabled) {
  if (enabled) buffer_ = View1<float>(std::string("cache_flush"), 2 * largest_cache_bytes() / sizeof(float));
}

void CacheFlusher::flush() {
  if (buffer_.size() == 0) return;
  value_ += 1.f;
  Kokkos::deep_copy(buffer_, value_);
  Kokkos::fence();
}

}  // namespace moat
