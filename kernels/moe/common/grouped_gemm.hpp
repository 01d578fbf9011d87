#pragma once
// Grouped GEMM over expert row segments: C[rows of expert e] = epilogue(A[rows] B1[e], A[rows] B2[e]).
// Rows are already permuted so each expert's rows are contiguous ([offsets[e], offsets[e+1])).
// The work list is a set of (expert, first row, row count) tiles built from the offsets, plus
// a column block index, so one launch covers every expert however unequal their loads.
#include <algorithm>
#include <vector>

#include "kernels/common/views.hpp"
#include "kernels/moe/common/shape.hpp"

namespace moat::moe {

struct RowTile {
  int expert, row0, rows;
};

inline constexpr int kColTile = 64;

// Row tiles of at most kRowTile rows from host offsets (size experts + 1); empty experts get none.
inline std::vector<RowTile> row_tiles_from_offsets(const std::vector<int>& offsets) {
  std::vector<RowTile> tiles;
  for (std::size_t e = 0; e + 1 < offsets.size(); ++e)
    for (int r = offsets[e]; r < offsets[e + 1]; r += kRowTile)
      tiles.push_back({int(e), r, std::min(kRowTile, offsets[e + 1] - r)});
  return tiles;
}

struct IdentityEpilogue {
  static constexpr bool two_inputs = false;
  KOKKOS_INLINE_FUNCTION float operator()(float a, float) const { return a; }
};

// C (n_rows x N) = epilogue(A (n_rows x K) * B1[e] (K x N), A * B2[e]).
template <class Epilogue>
struct GroupedGemm {
  Kokkos::View<const int* [3], Kokkos::LayoutRight, MemSpace> tiles;  // expert, row0, rows
  View2<const float> a;
  View3<const float> b1, b2;
  View2<float> c;
  Epilogue epi;
  int col_blocks;

  static std::size_t scratch_bytes() {
    return (Epilogue::two_inputs ? 2 : 1) * ScratchView2<float>::shmem_size(kRowTile, kColTile);
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const int t = team.league_rank() / col_blocks;
    const int c0 = (team.league_rank() % col_blocks) * kColTile;
    const int e = tiles(t, 0), row0 = tiles(t, 1), rows = tiles(t, 2);
    const int n = int(c.extent(1)), k = int(a.extent(1));
    const int cols = kx::min(kColTile, n - c0);
    const int level = kExecOnHost ? 0 : 1;
    ScratchView2<float> acc1(team.team_scratch(level), kRowTile, kColTile);
    ScratchView2<float> acc2(team.team_scratch(level), Epilogue::two_inputs ? kRowTile : 1,
                             kColTile);
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](int r) {
      for (int j = 0; j < cols; ++j) acc1(r, j) = 0.f;
      if constexpr (Epilogue::two_inputs)
        for (int j = 0; j < cols; ++j) acc2(r, j) = 0.f;
    });
    // Outer-product order: one row of B per step, reused by every row of the tile.
    for (int kk = 0; kk < k; ++kk) {
      const float* __restrict__ w1 = &b1(e, kk, c0);
      const float* __restrict__ w2 = Epilogue::two_inputs ? &b2(e, kk, c0) : w1;
      Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](int r) {
        const float x = a(row0 + r, kk);
        float* __restrict__ y1 = &acc1(r, 0);
        for (int j = 0; j < cols; ++j) y1[j] += x * w1[j];
        if constexpr (Epilogue::two_inputs) {
          float* __restrict__ y2 = &acc2(r, 0);
          for (int j = 0; j < cols; ++j) y2[j] += x * w2[j];
        }
      });
    }
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](int r) {
      for (int j = 0; j < cols; ++j)
        c(row0 + r, c0 + j) = epi(acc1(r, j), Epilogue::two_inputs ? acc2(r, j) : 0.f);
    });
  }
};

using TileView = Kokkos::View<int* [3], Kokkos::LayoutRight, MemSpace>;

// Runs the first n_tiles tiles of `tiles`.
template <class Epilogue>
void grouped_gemm(const TileView& tiles, int n_tiles, const View2<const float>& a,
                  const View3<const float>& b1, const View3<const float>& b2,
                  const View2<float>& c, Epilogue epi) {
  if (n_tiles == 0) return;
  const int col_blocks = (int(c.extent(1)) + kColTile - 1) / kColTile;
  GroupedGemm<Epilogue> f{tiles, a, b1, b2, c, epi, col_blocks};
  TeamPolicy tp(n_tiles * col_blocks, kExecOnHost ? 1 : kRowTile);
  tp.set_scratch_size(kExecOnHost ? 0 : 1, Kokkos::PerTeam(GroupedGemm<Epilogue>::scratch_bytes()));
  Kokkos::parallel_for("moat::moe::grouped_gemm", tp, f);
}

}  // namespace moat::moe
