#pragma once
// Host micro-kernels for one (query tile x key tile) step of attention: S = Q K^T, row-wise exp,
// and O = alpha O + P V. Plain C++ (no Kokkos), so they live in a .cpp built once with function
// multi-versioning: the binary stays portable (x86-64 baseline) and picks AVX2/AVX-512 clones at
// load time where the CPU has them. Kernels call them only on host execution spaces; device code
// keeps the portable per-thread loops.
//
// Two score layouts. Row-major (s[r][c], row stride 64) for skeletons whose per-row weights walk a
// row. Key-major (st[c][r], row stride 32) for the flash skeleton: one vector holds a key's score
// for many query rows, so the online softmax's row max and row sum are plain vector max/add over
// keys instead of a horizontal reduction per row (half the softmax time on AVX-512).
namespace moat::attention::cpu {

inline constexpr int kMaxTileCols = 64;  // keys per tile (= kKeyTile)
inline constexpr int kMaxTileRows = 32;  // query rows of a key-major tile (= kQueryTile)

// Row-major: s[r][c] = sum_d q[r][d] * kt[d][c] for r < rows, c < cols (cols <= 64).
// q: rows x depth (row stride ldq); kt: depth x 64 packed (row stride 64); s: row stride 64.
void tile_scores(const float* q, int ldq, const float* kt, int rows, int cols, int depth, float* s);

// Key-major: st[c][r] = sum_d qt[d][r] * k[c][d] for c < cols (<= 64), r < rows (<= 32).
// qt: depth x 32 (Q^T of the tile; rows >= `rows` must be zero, as lanes up to the next vector
// boundary are computed too); k: cols rows of stride ldk (K in its natural layout); st: stride 32.
void tile_scores_key_major(const float* qt, const float* k, int ldk, int rows, int cols, int depth,
                           float* st);

// One online-softmax step over a key-major tile (masked scores are lowest_float()). Per row:
// m' = max(m, max_c s), alpha = e^(m - m'), p = e^(s - m') (masked -> exactly 0),
// l = alpha l + sum_c p, m = m'. A row with nothing visible in the tile gets p = 0 and alpha = 1
// and keeps its state. m, l and alpha hold 32 entries (lanes past `rows` are scratch).
void tile_online_softmax_key_major(float* st, float* m, float* l, float* alpha, int rows, int cols);

// o[r][d] = alpha[r] * o[r][d] + sum_c p[r * p_row_step + c * p_key_step] * v[c][d], d < width:
// row-major P is (64, 1), key-major P is (1, 32). v: cols rows of stride ldv; o: row stride ldo.
void tile_pv(const float* p, int p_row_step, int p_key_step, const float* v, int ldv,
             const float* alpha, int rows, int cols, int width, float* o, int ldo);

// Which compiled variant the micro-kernels use on this CPU ("x86-64-v4", "x86-64-v3", "baseline").
const char* isa_name();

}  // namespace moat::attention::cpu
