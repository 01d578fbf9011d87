#include "kernels/attention/common/cpu_tile.hpp"

#include <cstdint>

// The micro-kernels are compiled three times: for x86-64-v4 (AVX-512), v3 (AVX2 + FMA) and the
// build's baseline, each in its own namespace under `#pragma GCC target`, and picked once per
// process from the running CPU. The binary stays portable; no -march flag is needed.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define MOAT_CPU_DISPATCH 1
#endif

namespace moat::attention::cpu {

#ifdef MOAT_CPU_DISPATCH
#pragma GCC push_options
#pragma GCC target("arch=x86-64-v4")
namespace v4 {
#define MOAT_TILE_VEC 16
#define MOAT_TILE_ROWS 4
#define MOAT_TILE_KEYS 8
#include "kernels/attention/common/cpu_tile_impl.inc"
#undef MOAT_TILE_VEC
#undef MOAT_TILE_ROWS
#undef MOAT_TILE_KEYS
}  // namespace v4
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("arch=x86-64-v3")
namespace v3 {
#define MOAT_TILE_VEC 8
#define MOAT_TILE_ROWS 2
#define MOAT_TILE_KEYS 2
#include "kernels/attention/common/cpu_tile_impl.inc"
#undef MOAT_TILE_VEC
#undef MOAT_TILE_ROWS
#undef MOAT_TILE_KEYS
}  // namespace v3
#pragma GCC pop_options
#endif

namespace base {
#define MOAT_TILE_VEC 4
#define MOAT_TILE_ROWS 1
#define MOAT_TILE_KEYS 1
#include "kernels/attention/common/cpu_tile_impl.inc"
#undef MOAT_TILE_VEC
#undef MOAT_TILE_ROWS
#undef MOAT_TILE_KEYS
}  // namespace base

namespace {
enum class Isa { base, v3, v4 };
Isa detect() {
#ifdef MOAT_CPU_DISPATCH
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

#ifdef MOAT_CPU_DISPATCH
#define MOAT_DISPATCH(fn, ...)                     \
  switch (kIsa) {                                  \
    case Isa::v4: return v4::fn(__VA_ARGS__);      \
    case Isa::v3: return v3::fn(__VA_ARGS__);      \
    default: return base::fn(__VA_ARGS__);         \
  }
#else
#define MOAT_DISPATCH(fn, ...) return base::fn(__VA_ARGS__);
#endif

void tile_scores(const float* q, int ldq, const float* kt, int rows, int /*cols*/, int depth,
                 float* s) {
  // kt is zero-padded to 64 columns, so every block computes full rows.
  MOAT_DISPATCH(scores, q, ldq, kt, rows, depth, s)
}

void tile_scores_key_major(const float* qt, const float* k, int ldk, int rows, int cols,
                           int depth, float* st) {
  MOAT_DISPATCH(scores_key_major, qt, k, ldk, rows, cols, depth, st)
}

void tile_online_softmax_key_major(float* st, float* m, float* l, float* alpha, int rows,
                                   int cols) {
  MOAT_DISPATCH(online_softmax_key_major, st, m, l, alpha, rows, cols)
}

void tile_pv(const float* p, int p_row_step, int p_key_step, const float* v, int ldv,
             const float* alpha, int rows, int cols, int width, float* o, int ldo) {
  MOAT_DISPATCH(pv, p, p_row_step, p_key_step, v, ldv, alpha, rows, cols, width, o, ldo)
}

const char* isa_name() {
  switch (kIsa) {
    case Isa::v4: return "x86-64-v4";
    case Isa::v3: return "x86-64-v3";
    default: return "baseline";
  }
}

}  // namespace moat::attention::cpu
