#pragma once
// Grouped GEMM over expert row segments: C[rows of expert e] = epilogue(A[rows] B1[e], A[rows]
// B2[e]). Rows are already permuted so each expert's rows are contiguous ([offsets[e],
// offsets[e+1])). The work list is a set of (expert, first row, row count) tiles built from the
// offsets, plus a column block index, so one launch covers every expert however unequal their
// loads. Paths, one contract:
//  - device (CUDA, ...), chosen on the host when the tile list is set (row_blocks.hpp):
//    few rows per expert stream the weights with split-K (stream_gemm.hpp); many rows merge an
//    expert's tiles into 64- or 128-row blocks of register-blocked tiles (tiled_gemm.hpp);
//  - host: each expert's whole row segment against column blocks of B through the register-
//    blocked, packed micro-kernel of cpu_gemm.hpp (compiled per instruction set), so B is
//    streamed once per segment instead of once per 32-row tile.
#include <algorithm>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "kernels/common/views.hpp"
#include "kernels/moe/common/cpu_gemm.hpp"
#include "kernels/moe/common/row_blocks.hpp"
#include "kernels/moe/common/shape.hpp"
#include "kernels/moe/common/stream_gemm.hpp"
#include "kernels/moe/common/tiled_gemm.hpp"

namespace moat::moe {

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
inline std::vector<HostItem> host_items(const BlockList& tiles, int n_tiles, int n_cols) {
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
void grouped_gemm_host(const BlockList& tiles, int n_tiles, const View2<const float>& a,
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
  // Epilogues other than the identity see the products through tmp (the second input's next
  // to the first's), so that `accumulate` can add their result to C.
  constexpr bool kIdentity = std::is_same_v<Epilogue, IdentityEpilogue>;
  constexpr int kTmpBlocks = kIdentity ? 0 : Epilogue::two_inputs ? 2 : 1;
  const int tmp_floats = std::max(1, kTmpBlocks * kHostRows * cpu::kGemmCols);
  HostTeam policy(int(items.size()), 1);
  policy.set_scratch_size(1, Kokkos::PerTeam(HostScratch::shmem_size(pack_floats) +
                                             HostScratch::shmem_size(tmp_floats)));
  Kokkos::parallel_for(
      "moat::moe::grouped_gemm_host", policy, [=](const HostTeam::member_type& team) {
        HostScratch pack(team.team_scratch(1), pack_floats);
        HostScratch tmp(team.team_scratch(1), tmp_floats);
        const HostItem w = work[team.league_rank()];
        const int cols = std::min(cpu::kGemmCols, n - w.col0);
        const float* ar = &a(w.row0, 0);
        float* cr = &c(w.row0, w.col0);
        const int ldc = n;
        if constexpr (kIdentity) {
          cpu::gemm_block(ar, k, &b1(w.expert, 0, w.col0), n, cr, ldc, w.rows, cols, k, accumulate,
                          pack.data());
        } else {
          constexpr int ldt = cpu::kGemmCols;
          float* g = tmp.data();
          cpu::gemm_block(ar, k, &b1(w.expert, 0, w.col0), n, g, ldt, w.rows, cols, k, false,
                          pack.data());
          const float* u = g;
          if constexpr (Epilogue::two_inputs) {
            u = g + kHostRows * ldt;
            cpu::gemm_block(ar, k, &b2(w.expert, 0, w.col0), n, g + kHostRows * ldt, ldt, w.rows,
                            cols, k, false, pack.data());
          }
          for (int r = 0; r < w.rows; ++r)
            for (int j = 0; j < cols; ++j) {
              const float v = epi(g[r * ldt + j], Epilogue::two_inputs ? u[r * ldt + j] : 0.f);
              cr[r * ldc + j] = accumulate ? cr[r * ldc + j] + v : v;
            }
        }
      });
}

}  // namespace detail

// Runs the first n_tiles tiles of `tiles`. `accumulate` adds the epilogue's result into C.
// Operands stored as T (float, bf16, fp16); hosts run 16-bit storage through the tiled path with
// one thread per team (the packed micro-kernels read fp32). Without the host's plan (a bare
// view), devices take each tile as a block of the 64-row tiling.
// T comes from c; the inputs convert (a non-const view of A is fine).
template <class Epilogue, class T>
void grouped_gemm(const BlockList& tiles, int n_tiles,
                  const std::type_identity_t<View2<const T>>& a,
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

// A tile list as the launches see it: the device tiles and what the host chose for them when
// the list was set (path, its row blocks), so that a launch reads nothing back from the device.
struct TileList {
  TileView tiles;
  int tile_count = 0;
  GemmPath path = GemmPath::rows64;
  TileView blocks;
  int block_count = 0, max_block_rows = 0;
  mutable View1<float> workspace;  // split-K partial sums of the stream path, grown on demand
  operator BlockList() const { return tiles; }  // for launchers that take a bare list
};

// Teams for the stream path to reach before it splits K: two per SM (one is resident at a time;
// CUDA counts 2048 threads per SM as its concurrency), so the last wave is a small part; one on
// hosts.
inline std::int64_t stream_target_teams() {
  return std::max<std::int64_t>(1, std::int64_t(ExecSpace().concurrency()) / 1024);
}

// The planned launch: the list's path with its row blocks, split-K depth from the team count.
// The tilings are parameters so that host tests run the whole plan with one-thread tilings.
template <class Tiling64, class Tiling128, class Stream, class Epilogue, class T>
void planned_grouped_gemm(const TileList& list, const std::type_identity_t<View2<const T>>& a,
                          const std::type_identity_t<View3<const T>>& b1,
                          const std::type_identity_t<View3<const T>>& b2, const View2<T>& c,
                          Epilogue epi, bool accumulate, std::int64_t target_teams) {
  if (list.path == GemmPath::rows64) {
    tiled_grouped_gemm<Tiling64>(list.blocks, list.block_count, a, b1, b2, c, epi, accumulate);
  } else if (list.path == GemmPath::rows128) {
    tiled_grouped_gemm<Tiling128>(list.blocks, list.block_count, a, b1, b2, c, epi, accumulate);
  } else {
    using Kernel = StreamGroupedGemm<Epilogue, Stream, T>;
    const int k = int(a.extent(1)), n = int(c.extent(1));
    const std::int64_t teams =
        std::int64_t(list.block_count) * ((n + Kernel::kOutCols - 1) / Kernel::kOutCols);
    const int depth = split_k_depth(teams, k, target_teams, Stream::kStage);
    const int chunks = k > 0 ? (k + depth - 1) / depth : 1;
    const std::size_t need = Kernel::workspace_floats(chunks, std::int64_t(c.extent(0)), n);
    if (list.workspace.extent(0) < need)
      list.workspace = View1<float>(Kokkos::view_alloc(std::string("moat::moe::split_k_workspace"),
                                                       Kokkos::WithoutInitializing),
                                    need);
    stream_grouped_gemm<Stream>(list.blocks, list.block_count, list.max_block_rows, depth,
                                list.workspace, a, b1, b2, c, epi, accumulate);
  }
}

// The same contract over a list set by RowTileList: devices take the list's planned path when
// all of its tiles run.
template <class Epilogue, class T>
void grouped_gemm(const TileList& list, int n_tiles, const std::type_identity_t<View2<const T>>& a,
                  const std::type_identity_t<View3<const T>>& b1,
                  const std::type_identity_t<View3<const T>>& b2, const View2<T>& c, Epilogue epi,
                  bool accumulate = false) {
  if (n_tiles == 0) return;
  if constexpr (!kExecOnHost) {
    if (n_tiles == list.tile_count) {
      planned_grouped_gemm<DeviceGemmTiling64, DeviceGemmTiling128, DeviceStreamTiling>(
          list, a, b1, b2, c, epi, accumulate, stream_target_teams());
      return;
    }
  }
  grouped_gemm(BlockList(list.tiles), n_tiles, a, b1, b2, c, epi, accumulate);
}

// Device tile list plus its host mirror, refilled whenever the routing changes; one device
// allocation holds the tiles and the planned row blocks (one copy per refill).
class RowTileList {
 public:
  explicit RowTileList(std::int64_t capacity)
      : capacity_(capacity),
        storage_("tiles", kBlockSlots * capacity),
        host_(Kokkos::create_mirror_view(storage_)) {
    list_.tiles = TileView(storage_.data(), capacity);
    list_.blocks = TileView(storage_.data() + 3 * capacity, (kBlockSlots - 1) * capacity);
  }
  // Tiles of at most kRowTile rows per expert segment; returns how many.
  int set(const std::vector<int>& offsets) { return set_tiles(row_tiles_from_offsets(offsets)); }
  // Any tile list (e.g. segments gathered from several ranks; at most kRowTile rows a tile);
  // returns how many.
  int set_tiles(const std::vector<RowTile>& list) {
    const GemmPath path = choose_path(list);
    const std::vector<RowTile> blocks = row_blocks(list, block_rows(path));
    if (std::int64_t(list.size()) > capacity_ ||
        std::int64_t(blocks.size()) > (kBlockSlots - 1) * capacity_)
      throw std::length_error("moat::moe::RowTileList: more tiles than its capacity");
    auto put = [&](std::int64_t at, const RowTile& t) {
      host_(at, 0) = t.expert;
      host_(at, 1) = t.row0;
      host_(at, 2) = t.rows;
    };
    for (std::size_t i = 0; i < list.size(); ++i) put(std::int64_t(i), list[i]);
    int max_rows = 0;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      put(capacity_ + std::int64_t(i), blocks[i]);
      max_rows = std::max(max_rows, blocks[i].rows);
    }
    Kokkos::deep_copy(storage_, host_);
    list_.tile_count = int(list.size());
    list_.path = path;
    list_.block_count = int(blocks.size());
    list_.max_block_rows = max_rows;
    return list_.tile_count;
  }
  const TileList& view() const { return list_; }
  int count() const { return list_.tile_count; }
  GemmPath path() const { return list_.path; }
  // Capacity for `rows` rows split over `segments` expert segments.
  static std::int64_t capacity_for(std::int64_t rows, std::int64_t segments) {
    return rows / kRowTile + segments + 1;
  }

 private:
  // Slots per tile of capacity: the tile, and up to two 16-row blocks of its rows.
  static constexpr std::int64_t kBlockSlots = 3;
  std::int64_t capacity_;
  TileView storage_;
  TileView::HostMirror host_;
  TileList list_;
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
