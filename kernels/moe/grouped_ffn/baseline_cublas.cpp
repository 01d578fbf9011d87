// cuBLAS baseline of moe.grouped_ffn (CUDA builds): every expert owns the same number of rows, so
// each projection is one strided-batched SGEMM with one batch entry per expert,
//   G = X W1,  U = X W3  (batched GEMMs)   H = silu(G) * U  (one elementwise kernel)   Y = H W2,
// the "batched GEMM for experts" a GPU user would write without a grouped-GEMM library. Plain
// fp32 math (CUBLAS_DEFAULT_MATH: no TF32 tensor cores), so it is compared with moat's fp32 FMA
// kernel on equal terms. Runs on Kokkos' CUDA stream, which the harness's CUDA events time.
#include "core/error.hpp"
#include "kernels/common/cublas_handle.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/views.hpp"
#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/grouped_ffn/device_problem.hpp"

namespace moat::variants::moe_grouped_ffn {
namespace {

class CublasInstance final : public KernelInstance {
 public:
  explicit CublasInstance(const InstanceRequest& req) : p_(fp32_only(req)), d_(p_) {
    gate_ = View2<float>("gate", p_.rows(), p_.ffn);
    up_ = View2<float>("up", p_.rows(), p_.ffn);
  }

  void run() override {
    const int m = p_.rows_per_expert, h = p_.hidden, f = p_.ffn;
    batched_gemm(d_.xp.data(), d_.w_gate.data(), gate_.data(), m, h, f);
    batched_gemm(d_.xp.data(), d_.w_up.data(), up_.data(), m, h, f);
    const View2<float> gate = gate_;
    const View2<const float> up = up_;
    const std::int64_t n = p_.rows() * f;
    Kokkos::parallel_for(
        "moat::cublas_baseline::swiglu", RangePolicy(0, n), KOKKOS_LAMBDA(std::int64_t i) {
          gate.data()[i] = moe::SwiGluEpilogue{}(gate.data()[i], up.data()[i]);
        });
    batched_gemm(gate_.data(), d_.w_down.data(), d_.y.data(), m, f, h);
  }

  CheckReport check() override {
    return d_.check(p_, [&] { run(); });
  }

 private:
  // Per expert e: C_e (m x n) = A_e (m x k) B_e (k x n), all row-major and packed. cuBLAS is
  // column-major, so it computes C_e^T = B_e^T A_e^T on the same memory.
  void batched_gemm(const float* a, const float* b, float* c, int m, int k, int n) {
    const float one = 1.f, zero = 0.f;
    cublas_.check(cublasSgemmStridedBatched(cublas_.get(), CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one,
                                            b, n, std::int64_t(k) * n, a, k, std::int64_t(m) * k,
                                            &zero, c, n, std::int64_t(m) * n, p_.experts),
                  "cublasSgemmStridedBatched");
  }

  static const InstanceRequest& fp32_only(const InstanceRequest& req) {
    if (req.dtype != DType::fp32)
      throw UnsupportedCase("cublas baseline of moe.grouped_ffn runs fp32 only");
    return req;
  }

  Problem p_;
  DeviceProblem<> d_;
  View2<float> gate_, up_;
  CublasHandle cublas_{"cublas baseline of moe.grouped_ffn"};
};

}  // namespace

std::unique_ptr<KernelInstance> make_cublas(const InstanceRequest& req) {
  return std::make_unique<CublasInstance>(req);
}

}  // namespace moat::variants::moe_grouped_ffn
