#pragma once
// Host GEMM micro-kernels for the grouped expert FFN: C (+)= A B on one expert's row block, row
// major with leading dimensions. Plain C++ (no Kokkos) in a .cpp built once per instruction set
// (AVX-512, AVX2+FMA, baseline) with the matching one picked at load time, so the binary stays
// portable without -march flags. Kernels call it only on host execution spaces; device code keeps
// the portable team kernel in grouped_gemm.hpp.
namespace moat::moe::cpu {

// Columns handled per call: callers split wider outputs into blocks of this width, which keeps
// the packed panel of B (depth x kGemmCols) in L1/L2 while every row of A streams past it.
inline constexpr int kGemmCols = 256;
// Depth (reduction) block: partial sums are added into C between blocks.
inline constexpr int kGemmDepth = 256;

// c[r][j] = (accumulate ? c[r][j] : 0) + sum_p a[r][p] * b[p][j] for r < rows, j < cols
// (cols <= kGemmCols). `pack` is caller-owned scratch of at least gemm_pack_floats() floats.
void gemm_block(const float* a, int lda, const float* b, int ldb, float* c, int ldc, int rows,
                int cols, int depth, bool accumulate, float* pack);

// Scratch the caller provides per thread for gemm_block.
int gemm_pack_floats();

// Which compiled variant runs on this CPU ("x86-64-v4", "x86-64-v3", "baseline").
const char* gemm_isa_name();

}  // namespace moat::moe::cpu
