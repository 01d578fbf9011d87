#pragma once
// Grouped GEMM over expert row segments: C[rows of expert e] = epilogue(A[rows] B1[e], A[rows]
// B2[e]). Rows are already permuted so each expert's rows are contiguous ([offsets[e],
// offsets[e+1])). The work list is a set of (expert, first row, row count) tiles built from the
// offsets, plus a column block index, so one launch covers every expert however unequal their
// loads. Two paths, one contract:
//  - device (CUDA, ...): a team per (row tile, column block), register-blocked outputs and
//    slices of A and B staged in team scratch (tiled_gemm.hpp);
//  - host: each expert's whole row segment against column blocks of B through the register-
//    blocked, packed micro-kernel of cpu_gemm.hpp (compiled per instruction set), so B is
//    streamed once per segment instead of once per 32-row tile.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "kernels/common/views.hpp"
#include "kernels/moe/common/cpu_gemm.hpp"
#include "kernels/moe/common/shape.hpp"
#include "kernels/moe/common/tiled_gemm.hpp"

namespace moat::moe {

struct RowTile {
  int expert, row0, rows;
};

// Row tiles of at most kRowTile rows from host offsets (size experts + 1); empty experts get none.
inline std::vector<RowTile> row_tiles_from_offsets(const std::vector<int>& offsets) {
  std::vector<RowTile> tiles;
  for (std::size_t e = 0; e + 1 < offsets.size(); ++e)
    for (int r = offsets[e]; r < offsets[e + 1]; r += kRowTile)
      tiles.push_back({int(e), r, std::min(kRowTile, offsets[e + 1] - r)});
  return tiles;
}

using TileView = Kokkos::View<int* [3], Kokkos::LayoutRight, MemSpace>;

namespace detail {

// Rows of one host work item: the micro-kernel packs B once per item, so items are as tall as
// the scratch allows (kHostRows x kGemmCols floats for the second input of gated epilogues).
inline constexpr int kHostRows = 192;

struct HostItem {
  int expert, row0, rows, col0;
};

// Merges consecutive tiles of the same expert (the tile list is built per expert in row order)
// into segments of at most kHostRows rows, crossed with kGemmCols-wide column blocks.
inline std::vector<HostItem> host_items(const TileView& tiles, int n_tiles, int n_cols) {
  std::vector<HostItem> segs;
  for (int t = 0; t < n_tiles; ++t) {
    const int e = tiles(t, 0), r0 = tiles(t, 1), rows = tiles(t, 2);
    if (!segs.empty() && segs.back().expert == e && segs.back().row0 + segs.back().rows == r0 &&
        segs.back().rows + rows <= kHostRows)
      segs.back().rows += rows;
    else
      segs.push_back({e, r0, rows, 0});
  }
  std::vector<HostItem> items;
  for (int c0 = 0; c0 < n_cols; c0 += cpu::kGemmCols)
    for (const auto& s : segs) items.push_back({s.expert, s.row0, s.rows, c0});
  return items;
}

template <class Epilogue>
void grouped_gemm_host(const TileView& tiles, int n_tiles, const View2<const float>& a,
                       const View3<const float>& b1, const View3<const float>& b2,
                       const View2<float>& c, Epilogue epi, bool accumulate) {
  using HostExec = Kokkos::DefaultHostExecutionSpace;
  using HostTeam = Kokkos::TeamPolicy<HostExec>;
  using HostScratch =
      Kokkos::View<float*, HostExec::scratch_memory_space, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
  const int n = int(c.extent(1)), k = int(a.extent(1));
  const std::vector<HostItem> items = host_items(tiles, n_tiles, n);
  const HostItem* work = items.data();
  const int pack_floats = cpu::gemm_pack_floats();
  const int tmp_floats = Epilogue::two_inputs ? kHostRows * cpu::kGemmCols : 1;
  HostTeam policy(int(items.size()), 1);
  policy.set_scratch_size(1, Kokkos::PerTeam(HostScratch::shmem_size(pack_floats) +
                                             HostScratch::shmem_size(tmp_floats)));
  Kokkos::parallel_for("moat::moe::grouped_gemm_host", policy,
                       [=](const HostTeam::member_type& team) {
                         HostScratch pack(team.team_scratch(1), pack_floats);
                         HostScratch tmp(team.team_scratch(1), tmp_floats);
                         const HostItem w = work[team.league_rank()];
                         const int cols = std::min(cpu::kGemmCols, n - w.col0);
                         const float* ar = &a(w.row0, 0);
                         float* cr = &c(w.row0, w.col0);
                         const int ldc = n;
                         if constexpr (Epilogue::two_inputs) {
                           cpu::gemm_block(ar, k, &b1(w.expert, 0, w.col0), n, cr, ldc, w.rows,
                                           cols, k, false, pack.data());
                           cpu::gemm_block(ar, k, &b2(w.expert, 0, w.col0), n, tmp.data(),
                                           cpu::kGemmCols, w.rows, cols, k, false, pack.data());
                           for (int r = 0; r < w.rows; ++r)
                             for (int j = 0; j < cols; ++j)
                               cr[r * ldc + j] = epi(cr[r * ldc + j], tmp[r * cpu::kGemmCols + j]);
                         } else if constexpr (std::is_same_v<Epilogue, IdentityEpilogue>) {
                           cpu::gemm_block(ar, k, &b1(w.expert, 0, w.col0), n, cr, ldc, w.rows,
                                           cols, k, accumulate, pack.data());
                         } else {
                           cpu::gemm_block(ar, k, &b1(w.expert, 0, w.col0), n, cr, ldc, w.rows,
                                           cols, k, false, pack.data());
                           for (int r = 0; r < w.rows; ++r)
                             for (int j = 0; j < cols; ++j)
                               cr[r * ldc + j] = epi(cr[r * ldc + j], 0.f);
                         }
                       });
}

}  // namespace detail

// Runs the first n_tiles tiles of `tiles`. `accumulate` adds into C (single-input epilogues).
// Operands stored as T (float, bf16, fp16); hosts run 16-bit storage through the tiled path with
// one thread per team (the packed micro-kernels read fp32).
// T comes from c; the inputs convert (a non-const view of A is fine).
template <class Epilogue, class T>
void grouped_gemm(const TileView& tiles, int n_tiles, const std::type_identity_t<View2<const T>>& a,
                  const std::type_identity_t<View3<const T>>& b1,
                  const std::type_identity_t<View3<const T>>& b2, const View2<T>& c, Epilogue epi,
                  bool accumulate = false) {
  if (n_tiles == 0) return;
  if constexpr (!kExecOnHost) {
    tiled_grouped_gemm<DeviceGemmTiling>(tiles, n_tiles, a, b1, b2, c, epi, accumulate);
  } else if constexpr (std::is_same_v<T, float>) {
    detail::grouped_gemm_host(tiles, n_tiles, a, b1, b2, c, epi, accumulate);
  } else {
    tiled_grouped_gemm<SerialGemmTiling>(tiles, n_tiles, a, b1, b2, c, epi, accumulate);
  }
}

// Device tile list plus its host mirror, refilled whenever the routing changes.
class RowTileList {
 public:
  explicit RowTileList(std::int64_t capacity)
      : tiles_("tiles", capacity), host_(Kokkos::create_mirror_view(tiles_)) {}
  // Tiles of at most kRowTile rows per expert segment; returns how many.
  int set(const std::vector<int>& offsets) { return set_tiles(row_tiles_from_offsets(offsets)); }
  // Any tile list (e.g. segments gathered from several ranks); returns how many.
  int set_tiles(const std::vector<RowTile>& list) {
    for (std::size_t i = 0; i < list.size(); ++i) {
      host_(i, 0) = list[i].expert;
      host_(i, 1) = list[i].row0;
      host_(i, 2) = list[i].rows;
    }
    Kokkos::deep_copy(tiles_, host_);
    count_ = int(list.size());
    return count_;
  }
  const TileView& view() const { return tiles_; }
  int count() const { return count_; }
  // Capacity for `rows` rows split over `segments` expert segments.
  static std::int64_t capacity_for(std::int64_t rows, std::int64_t segments) {
    return rows / kRowTile + segments + 1;
  }

 private:
  TileView tiles_;
  TileView::HostMirror host_;
  int count_ = 0;
};

// c (rows x N) (+)= a (rows x K) b[0] (K x N): a plain GEMM through the grouped path, for the
// dense projections some variants add around the experts.
class DenseGemm {
 public:
  explicit DenseGemm(int rows) : tiles_(RowTileList::capacity_for(rows, 1)) {
    tiles_.set({0, rows});
  }
  void operator()(const View2<const float>& a, const View3<const float>& b, const View2<float>& c,
                  bool accumulate = false) const {
    grouped_gemm(tiles_.view(), tiles_.count(), a, b, b, c, IdentityEpilogue{}, accumulate);
  }

 private:
  RowTileList tiles_;
};

}  // namespace moat::moe
