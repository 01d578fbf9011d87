#pragma once
// A cuBLAS handle for vendor baselines (CUDA builds only): bound to Kokkos' CUDA stream, which the
// harness's CUDA events time, with plain fp32 math (CUBLAS_DEFAULT_MATH: no TF32 tensor cores), so
// baselines compare with moat's fp32 kernels on equal terms. Failures throw moat::Error naming
// the baseline and the call.
#include <cublas_v2.h>

#include <string>

#include "core/error.hpp"
#include "kernels/common/views.hpp"

namespace moat {

class CublasHandle {
 public:
  explicit CublasHandle(std::string who) : who_(std::move(who)) {
    check(cublasCreate(&handle_), "cublasCreate");
    check(cublasSetStream(handle_, ExecSpace().cuda_stream()), "cublasSetStream");
    check(cublasSetMathMode(handle_, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
  }
  ~CublasHandle() { cublasDestroy(handle_); }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;

  cublasHandle_t get() const { return handle_; }
  void check(cublasStatus_t status, const char* call) const {
    if (status != CUBLAS_STATUS_SUCCESS)
      throw Error(who_ + ": " + call + " failed (cuBLAS status " + std::to_string(int(status)) +
                  ")");
  }

 private:
  std::string who_;
  cublasHandle_t handle_{};
};

}  // namespace moat
