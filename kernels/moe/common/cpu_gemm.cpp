#include "kernels/moe/common/cpu_gemm.hpp"

#include <cstddef>

// Compiled three times: x86-64-v4 (AVX-512), v3 (AVX2 + FMA) and the build's baseline, each in its
// own namespace under `#pragma GCC target`, picked once per process from the running CPU.
// fp-contract=fast lets the v3/v4 copies fuse multiply-add (ISO C++ mode turns it off).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define MOAT_GEMM_DISPATCH 1
#endif

namespace moat::moe::cpu {

#ifdef MOAT_GEMM_DISPATCH
#pragma GCC push_options
#pragma GCC target("arch=x86-64-v4")
#pragma GCC optimize("fp-contract=fast")
namespace v4 {
#define MOAT_GEMM_VEC 16
#define MOAT_GEMM_ROWS 8
#include "kernels/moe/common/cpu_gemm_impl.inc"
#undef MOAT_GEMM_VEC
#undef MOAT_GEMM_ROWS
}  // namespace v4
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("arch=x86-64-v3")
#pragma GCC optimize("fp-contract=fast")
namespace v3 {
#define MOAT_GEMM_VEC 8
#define MOAT_GEMM_ROWS 6
#include "kernels/moe/common/cpu_gemm_impl.inc"
#undef MOAT_GEMM_VEC
#undef MOAT_GEMM_ROWS
}  // namespace v3
#pragma GCC pop_options
#endif

namespace base {
#define MOAT_GEMM_VEC 4
#define MOAT_GEMM_ROWS 6
#include "kernels/moe/common/cpu_gemm_impl.inc"
#undef MOAT_GEMM_VEC
#undef MOAT_GEMM_ROWS
}  // namespace base

namespace {
enum class Isa { base, v3, v4 };
Isa detect() {
#ifdef MOAT_GEMM_DISPATCH
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
    return Isa::v4;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::v3;
#endif
  return Isa::base;
}
const Isa kIsa = detect();
}  // namespace

// One packed panel: kGemmDepth x kGemmCols floats (256 KiB).
int gemm_pack_floats() { return kGemmDepth * kGemmCols; }

void gemm_block(const float* a, int lda, const float* b, int ldb, float* c, int ldc, int rows,
                int cols, int depth, bool accumulate, float* pack) {
#ifdef MOAT_GEMM_DISPATCH
  switch (kIsa) {
    case Isa::v4: return v4::gemm(a, lda, b, ldb, c, ldc, rows, cols, depth, accumulate, pack);
    case Isa::v3: return v3::gemm(a, lda, b, ldb, c, ldc, rows, cols, depth, accumulate, pack);
    default: break;
  }
#endif
  base::gemm(a, lda, b, ldb, c, ldc, rows, cols, depth, accumulate, pack);
}

const char* gemm_isa_name() {
  switch (kIsa) {
    case Isa::v4: return "x86-64-v4";
    case Isa::v3: return "x86-64-v3";
    default: return "baseline";
  }
}

}  // namespace moat::moe::cpu
