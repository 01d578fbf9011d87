#pragma once
// Host micro-kernels for one (query tile x key tile) step of attention: S = Q K^T on a packed
// K^T tile, row-wise exp, and O = alpha O + P V. Plain C++ (no Kokkos), so they live in a .cpp
// built once with function multi-versioning: the binary stays portable (x86-64 baseline) and
// picks AVX2/AVX-512 clones at load time where the CPU has them. Kernels call them only on host
// execution spaces; device code keeps the portable per-thread loops.
namespace moat::attention::cpu {

// Register-block height of the micro-kernels; the skeletons need nothing else from it.
inline constexpr int kMaxTileCols = 64;  // = kKeyTile

// s[r][c] = sum_d q[r][d] * kt[d][c] for r < rows, c < cols (cols <= 64).
// q: rows x depth (row stride ldq); kt: depth x 64 packed (row stride 64); s: row stride 64.
void tile_scores(const float* q, int ldq, const float* kt, int rows, int cols, int depth,
                 float* s);

// One online-softmax step over a score tile (row stride 64, columns >= cols ignored; masked
// scores are lowest_float()). Per row: m' = max(m, max_c p), alpha = e^(m - m'),
// p = e^(p - m') (masked -> exactly 0), l = alpha l + sum_c p, m = m'. A row with nothing visible
// gets p = 0 and alpha = 1 and keeps its state.
void tile_online_softmax(float* p, float* m, float* l, float* alpha, int rows, int cols);

// o[r][d] = alpha[r] * o[r][d] + sum_c p[r][c] * v[c][d] for d < width.
// p: row stride 64; v: cols rows of stride ldv; o: row stride ldo.
void tile_pv(const float* p, const float* v, int ldv, const float* alpha, int rows, int cols,
             int width, float* o, int ldo);

// Vectorizable exp for x <= 0 (relative error ~2e-7): what tile_exp uses, for reuse and tests.
float exp_nonpositive(float x);

// Which compiled variant the micro-kernels use on this CPU ("x86-64-v4", "x86-64-v3", "baseline").
const char* isa_name();

}  // namespace moat::attention::cpu
