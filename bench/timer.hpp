#pragma once
// Times one kernel execution on the default execution space. CUDA builds use CUDA events on
// Kokkos' stream (device time, launch included); others a steady clock around run + fence.
#include <chrono>

#include "kernels/common/compat.hpp"

#if defined(KOKKOS_ENABLE_CUDA)
#include <cuda_runtime.h>
#endif

namespace moat {

class KernelTimer {
 public:
#if defined(KOKKOS_ENABLE_CUDA)
  static constexpr const char* method = "cuda_events";
  KernelTimer() {
    cudaEventCreate(&start_);
    cudaEventCreate(&stop_);
  }
  ~KernelTimer() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  void start() { cudaEventRecord(start_, Kokkos::Cuda().cuda_stream()); }
  double stop() {
    cudaEventRecord(stop_, Kokkos::Cuda().cuda_stream());
    cudaEventSynchronize(stop_);
    float ms = 0;
    cudaEventElapsedTime(&ms, start_, stop_);
    return ms * 1e-3;
  }

 private:
  cudaEvent_t start_{}, stop_{};
#else
  static constexpr const char* method = "steady_clock+fence";
  KernelTimer() = default;
  void start() { t0_ = std::chrono::steady_clock::now(); }
  double stop() {
    Kokkos::fence();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }

 private:
  std::chrono::steady_clock::time_point t0_;
#endif
  KernelTimer(const KernelTimer&) = delete;
  KernelTimer& operator=(const KernelTimer&) = delete;

 public:
  KernelTimer(KernelTimer&&) = delete;
};

}  // namespace moat
