#pragma once
// The device path of the grouped GEMM: one team per (row tile, column block) of C, every thread
// holding a kThreadRows x kThreadCols block of outputs in registers. Each kDepth-deep slice of A
// (transposed) and B goes through level-0 team scratch; the next slice is loaded into registers
// while the current one is multiplied, so global loads overlap the FMAs.
//
// Thread (tm, tn) owns rows tm*kThreadRows + i and columns tn + kThreadsN*j: neighbouring
// threads read neighbouring B columns (no bank conflicts, coalesced stores), and the threads of
// one warp share two A rows (broadcast reads). A^T rows are padded by one float so that the
// transposing stores hit distinct banks.
//
// The tiling is a template parameter: GPUs use DeviceGemmTiling (128 threads); a one-thread
// tiling runs the same code on a host team, which is how CPU tests check the GPU path. A, B and C
// are stored as T (float, bf16, fp16: storage.hpp): loads convert to fp32, accumulators are fp32,
// C is rounded to T once per output.
#include <type_traits>

#include "kernels/common/views.hpp"

namespace moat::moe {

struct IdentityEpilogue {
  static constexpr bool two_inputs = false;
  KOKKOS_INLINE_FUNCTION float operator()(float a, float) const { return a; }
};

template <int Rows, int Cols, int Depth, int ThreadRows, int ThreadCols>
struct GemmTiling {
  static constexpr int kRows = Rows, kCols = Cols, kDepth = Depth;
  static constexpr int kThreadRows = ThreadRows, kThreadCols = ThreadCols;
  static constexpr int kThreadsM = Rows / ThreadRows, kThreadsN = Cols / ThreadCols;
  static constexpr int kThreads = kThreadsM * kThreadsN;
  static_assert(Rows % ThreadRows == 0 && Cols % ThreadCols == 0, "whole thread blocks");
};

// 32 x 128 outputs per team of 128 threads, 4 x 8 per thread, 16-deep slices (18 KB of scratch
// with two B operands).
using DeviceGemmTiling = GemmTiling<32, 128, 16, 4, 8>;
// One thread per team (host spaces): the device code path, for tests.
using SerialGemmTiling = GemmTiling<4, 8, 4, 4, 8>;

// C[row0 + r, c] (+)= epi(A[row0 + r, :] B1[e][:, c], A[row0 + r, :] B2[e][:, c]) for each tile
// (e, row0, rows) of the list; rows may exceed kRows (the team walks them in kRows blocks).
template <class Epilogue, class Tiling, class T = float>
struct TiledGroupedGemm {
  static constexpr bool kTwo = Epilogue::two_inputs;
  static constexpr int BM = Tiling::kRows, BN = Tiling::kCols, BK = Tiling::kDepth;
  static constexpr int TM = Tiling::kThreadRows, TN = Tiling::kThreadCols;
  static constexpr int kThreads = Tiling::kThreads, kThreadsN = Tiling::kThreadsN;
  static constexpr int kAStride = BM + 1;
  static constexpr int kALoads = (BM * BK + kThreads - 1) / kThreads;
  static constexpr int kBLoads = (BK * BN + kThreads - 1) / kThreads;

  Kokkos::View<const int* [3], Kokkos::LayoutRight, MemSpace> tiles;  // expert, row0, rows
  View2<const T> a;
  View3<const T> b1, b2;
  View2<T> c;
  Epilogue epi;
  int n_tiles;
  bool accumulate;
  int dense_rows = -1;  // >= 0: no tile list, tile t is rows [t * kRows, ...) of expert 0

  static std::size_t scratch_bytes() {
    return ScratchView1<float>::shmem_size(BK * kAStride) +
           (kTwo ? 2 : 1) * ScratchView1<float>::shmem_size(BK * BN);
  }
  int column_blocks() const { return (int(c.extent(1)) + BN - 1) / BN; }
  // One team per (tile, column block), with the scratch its slices need.
  void launch(const char* name) const {
    TeamPolicy tp(n_tiles * column_blocks(), kThreads);
    tp.set_scratch_size(0, Kokkos::PerTeam(scratch_bytes()));
    Kokkos::parallel_for(name, tp, *this);
  }

  // One slice's global loads, held in registers until stored to scratch.
  struct Slice {
    float a[kALoads], b1[kBLoads], b2[kTwo ? kBLoads : 1];
  };

  KOKKOS_INLINE_FUNCTION void load(Slice& s, int tid, int e, int row0, int rcount, int c0, int k0,
                                   int n, int k) const {
    for (int l = 0; l < kALoads; ++l) {
      const int idx = tid + l * kThreads;
      const int r = idx / BK, kk = idx % BK;
      s.a[l] = idx < BM * BK && r < rcount && k0 + kk < k ? to_float(a(row0 + r, k0 + kk)) : 0.f;
    }
    for (int l = 0; l < kBLoads; ++l) {
      const int idx = tid + l * kThreads;
      const int kk = idx / BN, j = idx % BN;
      const bool in = idx < BK * BN && k0 + kk < k && c0 + j < n;
      s.b1[l] = in ? to_float(b1(e, k0 + kk, c0 + j)) : 0.f;
      if constexpr (kTwo) s.b2[l] = in ? to_float(b2(e, k0 + kk, c0 + j)) : 0.f;
    }
  }

  KOKKOS_INLINE_FUNCTION void store(const Slice& s, int tid, float* as, float* bs1,
                                    float* bs2) const {
    for (int l = 0; l < kALoads; ++l) {
      const int idx = tid + l * kThreads;
      if (idx < BM * BK) as[idx % BK * kAStride + idx / BK] = s.a[l];
    }
    for (int l = 0; l < kBLoads; ++l) {
      const int idx = tid + l * kThreads;
      if (idx < BK * BN) {
        bs1[idx] = s.b1[l];
        if constexpr (kTwo) bs2[idx] = s.b2[l];
      }
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const int t = team.league_rank() % n_tiles;
    const int c0 = team.league_rank() / n_tiles * BN;
    int e = 0, row0 = t * BM, rows = kx::min(BM, dense_rows - row0);
    if (dense_rows < 0) e = tiles(t, 0), row0 = tiles(t, 1), rows = tiles(t, 2);
    const int n = int(c.extent(1)), k = int(a.extent(1));
    const int tid = team.team_rank();
    const int tm = tid / kThreadsN, tn = tid % kThreadsN;
    ScratchView1<float> as(team.team_scratch(0), BK * kAStride);
    ScratchView1<float> bs1(team.team_scratch(0), BK * BN);
    float* bs2 = nullptr;
    if constexpr (kTwo) bs2 = ScratchView1<float>(team.team_scratch(0), BK * BN).data();

    for (int rb = 0; rb < rows; rb += BM) {
      const int rcount = kx::min(BM, rows - rb);
      float acc1[TM][TN], acc2[kTwo ? TM : 1][kTwo ? TN : 1];
      for (int i = 0; i < TM; ++i)
        for (int j = 0; j < TN; ++j) {
          acc1[i][j] = 0.f;
          if constexpr (kTwo) acc2[i][j] = 0.f;
        }
      Slice next;
      load(next, tid, e, row0 + rb, rcount, c0, 0, n, k);
      for (int k0 = 0; k0 < k; k0 += BK) {
        team.team_barrier();  // the previous slice has been read by every thread
        store(next, tid, as.data(), bs1.data(), bs2);
        team.team_barrier();
        if (k0 + BK < k) load(next, tid, e, row0 + rb, rcount, c0, k0 + BK, n, k);
        for (int kk = 0; kk < BK; ++kk) {
          float av[TM], bv[TN];
          for (int i = 0; i < TM; ++i) av[i] = as(kk * kAStride + tm * TM + i);
          for (int j = 0; j < TN; ++j) bv[j] = bs1(kk * BN + tn + kThreadsN * j);
          for (int i = 0; i < TM; ++i)
            for (int j = 0; j < TN; ++j) acc1[i][j] += av[i] * bv[j];
          if constexpr (kTwo) {
            for (int j = 0; j < TN; ++j) bv[j] = bs2[kk * BN + tn + kThreadsN * j];
            for (int i = 0; i < TM; ++i)
              for (int j = 0; j < TN; ++j) acc2[i][j] += av[i] * bv[j];
          }
        }
      }
      for (int i = 0; i < TM; ++i) {
        const int r = tm * TM + i;
        if (r >= rcount) break;
        for (int j = 0; j < TN; ++j) {
          const int col = c0 + tn + kThreadsN * j;
          if (col >= n) break;
          float v;
          if constexpr (kTwo)
            v = epi(acc1[i][j], acc2[i][j]);
          else
            v = epi(acc1[i][j], 0.f);
          T& out = c(row0 + rb + r, col);
          out = store_as<T>(accumulate ? to_float(out) + v : v);
        }
      }
      team.team_barrier();  // scratch is reused by the next row block
    }
  }
};

// Launches the tiled kernel over the first n_tiles tiles.
template <class Tiling, class Epilogue, class T>
void tiled_grouped_gemm(const Kokkos::View<int* [3], Kokkos::LayoutRight, MemSpace>& tiles,
                        int n_tiles, const std::type_identity_t<View2<const T>>& a,
                        const std::type_identity_t<View3<const T>>& b1,
                        const std::type_identity_t<View3<const T>>& b2, const View2<T>& c,
                        Epilogue epi, bool accumulate) {
  TiledGroupedGemm<Epilogue, Tiling, T>{tiles, a, b1, b2, c, epi, n_tiles, accumulate}.launch(
      "moat::moe::tiled_grouped_gemm");
}

// c (rows x N) = a (rows x K) b (K x N) through the same kernel, without a tile list (b must be
// contiguous): the dense projections around the experts, e.g. router logits.
template <class Tiling, class T>
void tiled_dense_gemm(const std::type_identity_t<View2<const T>>& a,
                      const std::type_identity_t<View2<const T>>& b, const View2<T>& c) {
  using Functor = TiledGroupedGemm<IdentityEpilogue, Tiling, T>;
  const int rows = int(a.extent(0));
  if (rows == 0) return;
  const View3<const T> b3(b.data(), 1, b.extent(0), b.extent(1));
  Functor{{},    a,   b3, b3, c, IdentityEpilogue{}, (rows + Tiling::kRows - 1) / Tiling::kRows,
          false, rows}
      .launch("moat::moe::tiled_dense_gemm");
}

}  // namespace moat::moe
