// The device paths of the grouped GEMM run on the host with one-thread tilings: register-blocked
// tiles (tiled_gemm.hpp) over tiles and merged row blocks, weight streaming with split-K
// (stream_gemm.hpp), and the host plan that picks between them (row_blocks.hpp, RowTileList).
// Uneven expert segments, empty experts, rows past a block, depths and widths that are not
// multiples of the tile or the packet, misaligned operands (the element-wise fallback), a gated
// two-input epilogue, accumulation and bf16 storage, against a float64 reference.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/common/random.hpp"
#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/grouped_gemm.hpp"

namespace moat {
namespace {

// Inputs already rounded to the storage dtype, so the reference sees what the kernel sees.
struct Problem {
  int rows, k, n, experts;
  DType dtype;
  std::vector<int> offsets;
  std::vector<float> a, b1, b2, c0;
};

Problem make_problem(std::vector<int> rows_per_expert, int k, int n, DType dt = DType::fp32) {
  Problem p;
  p.experts = int(rows_per_expert.size());
  p.offsets = {0};
  for (int r : rows_per_expert) p.offsets.push_back(p.offsets.back() + r);
  p.rows = p.offsets.back();
  p.k = k;
  p.n = n;
  p.dtype = dt;
  p.a = random_values(std::int64_t(p.rows) * k, dt, 1);
  p.b1 = random_values(std::int64_t(p.experts) * k * n, dt, 2);
  p.b2 = random_values(std::int64_t(p.experts) * k * n, dt, 3);
  p.c0 = random_values(std::int64_t(p.rows) * n, dt, 4);
  return p;
}

template <class Epilogue>
std::vector<double> reference(const Problem& p, bool accumulate) {
  std::vector<double> c(std::size_t(p.rows) * p.n);
  for (int e = 0; e < p.experts; ++e)
    for (int r = p.offsets[e]; r < p.offsets[e + 1]; ++r)
      for (int j = 0; j < p.n; ++j) {
        double g = 0, u = 0;
        for (int kk = 0; kk < p.k; ++kk) {
          const double x = p.a[std::size_t(r) * p.k + kk];
          g += x * p.b1[(std::size_t(e) * p.k + kk) * p.n + j];
          u += x * p.b2[(std::size_t(e) * p.k + kk) * p.n + j];
        }
        const double v = Epilogue::ref(g, u);
        c[std::size_t(r) * p.n + j] = accumulate ? p.c0[std::size_t(r) * p.n + j] + v : v;
      }
  return c;
}

struct Identity : moe::IdentityEpilogue {
  static double ref(double g, double) { return g; }
};

// A problem's operands in storage T. `offset` > 0 starts each matrix that many elements into its
// allocation: base pointers off the 16-byte grid, so the kernels take the element-wise loads.
template <class T>
struct Operands {
  std::vector<View1<T>> memory;
  View2<T> a, c;
  View3<T> b1, b2;

  Operands(const Problem& p, int offset) {
    a = View2<T>(place(p.a, offset), p.rows, p.k);
    b1 = View3<T>(place(p.b1, offset), p.experts, p.k, p.n);
    b2 = View3<T>(place(p.b2, offset), p.experts, p.k, p.n);
    c = View2<T>(place(p.c0, offset), p.rows, p.n);
  }
  T* place(const std::vector<float>& values, int offset) {
    View1<T> m("operand", values.size() + std::size_t(offset));
    auto host = Kokkos::create_mirror_view(m);
    for (std::size_t i = 0; i < values.size(); ++i) host(i + offset) = store_as<T>(values[i]);
    Kokkos::deep_copy(m, host);
    memory.push_back(m);
    return m.data() + offset;
  }
};

// Runs launch(tiles, a, b1, b2, c, epilogue, accumulate) and checks C against the reference.
template <class T, class Epilogue, class Launch>
void expect_matches(const Problem& p, bool accumulate, Launch launch, int offset = 0) {
  Operands<T> op(p, offset);
  moe::RowTileList tiles(moe::RowTileList::capacity_for(p.rows, p.experts));
  tiles.set(p.offsets);
  launch(tiles.view(), View2<const T>(op.a), View3<const T>(op.b1), View3<const T>(op.b2), op.c,
         Epilogue{}, accumulate);
  Kokkos::fence();
  std::vector<float> got(std::size_t(p.rows) * p.n);
  {
    const View1<T> flat(op.c.data(), got.size());
    auto host = Kokkos::create_mirror_view(flat);
    Kokkos::deep_copy(host, flat);
    for (std::size_t i = 0; i < got.size(); ++i) got[i] = to_float(host(i));
  }
  const std::vector<double> want = reference<Epilogue>(p, accumulate);
  // fp32: accumulation order; 16-bit storage: one rounding of the output (2^-8 relative).
  const double rel = kHalfStorage<T> ? 8e-3 : 1e-4 * std::sqrt(double(p.k));
  double largest = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], rel * (1 + std::fabs(want[i])))
        << "row " << i / p.n << " col " << i % p.n;
    largest = std::max(largest, std::fabs(want[i]));
  }
  if (!want.empty()) {
    EXPECT_GT(largest, 0.1) << "trivial output";
  }
}

// The launches under test, each with the one-thread tilings.
struct OnTiles {  // register-blocked kernel, one block per 32-row tile
  template <class... Args>
  void operator()(const moe::TileList& t, Args&&... args) const {
    moe::tiled_grouped_gemm<moe::SerialGemmTiling>(t.tiles, t.tile_count, args...);
  }
};
template <int Rows>
struct OnBlocks {  // register-blocked kernel over expert tiles merged into Rows-row blocks
  template <class... Args>
  void operator()(const moe::TileList& t, Args&&... args) const {
    const auto blocks = moe::row_blocks(row_tiles(t), Rows);
    moe::TileView list("blocks", blocks.size());
    auto host = Kokkos::create_mirror_view(list);
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      host(i, 0) = blocks[i].expert;
      host(i, 1) = blocks[i].row0;
      host(i, 2) = blocks[i].rows;
    }
    Kokkos::deep_copy(list, host);
    moe::tiled_grouped_gemm<moe::SerialGemmTiling>(list, int(blocks.size()), args...);
  }
  static std::vector<moe::RowTile> row_tiles(const moe::TileList& t) {
    auto host = Kokkos::create_mirror_view(t.tiles);
    Kokkos::deep_copy(host, t.tiles);
    std::vector<moe::RowTile> out;
    for (int i = 0; i < t.tile_count; ++i) out.push_back({host(i, 0), host(i, 1), host(i, 2)});
    return out;
  }
};
template <int Depth>
struct Streamed {  // weight streaming over the 32-row tiles, K in chunks of Depth (0: one chunk)
  template <class A, class B, class C, class Epilogue>
  void operator()(const moe::TileList& t, const A& a, const B& b1, const B& b2, const C& c,
                  Epilogue epi, bool accumulate) const {
    const int k = int(a.extent(1)), stage = moe::SerialStreamTiling::kStage;
    const int depth = Depth > 0 ? Depth : (k + stage - 1) / stage * stage + stage;
    View1<float> workspace("workspace", std::size_t(k / depth + 1) * c.extent(0) * c.extent(1) * 2);
    moe::stream_grouped_gemm<moe::SerialStreamTiling>(t.tiles, t.tile_count, moe::kRowTile, depth,
                                                      workspace, a, b1, b2, c, epi, accumulate);
  }
};
template <std::int64_t TargetTeams>
struct Planned {  // the whole plan: the list's path and blocks, split-K from the team target
  template <class... Args>
  void operator()(const moe::TileList& t, Args&&... args) const {
    moe::planned_grouped_gemm<moe::SerialGemmTiling, moe::SerialGemmTiling,
                              moe::SerialStreamTiling>(t, args..., TargetTeams);
  }
};
struct Public {  // grouped_gemm as the variants call it (hosts: their own paths)
  template <class... Args>
  void operator()(const moe::TileList& t, Args&&... args) const {
    moe::grouped_gemm(t, t.tile_count, args...);
  }
};

// 37 rows (past the one-thread tile's 8-row block and a 32-row tile), an empty expert, 19
// columns and depth 13 (no whole packets: element-wise loads).
const std::vector<int> kUneven = {37, 0, 5, 1};

TEST(TiledGroupedGemm, GatedEpilogueOverUnevenExperts) {
  const Problem p = make_problem(kUneven, 13, 19);
  expect_matches<float, moe::SwiGluEpilogue>(p, false, OnTiles{});
  expect_matches<float, moe::SwiGluEpilogue>(p, true, OnTiles{});
}

TEST(TiledGroupedGemm, AccumulatesIntoC) {
  const Problem p = make_problem({3, 9, 40}, 21, 8);
  expect_matches<float, Identity>(p, true, OnTiles{});
  expect_matches<float, Identity>(p, false, OnTiles{});
}

TEST(TiledGroupedGemm, MergedBlocksWithPackets) {
  // Depth and width in whole 16-byte packets (fp32 and bf16): the vector loads; 130 rows make a
  // 128-row block plus a 2-row one, walked in 8-row passes.
  const Problem p = make_problem({130, 0, 64, 3}, 40, 48);
  expect_matches<float, moe::SwiGluEpilogue>(p, false, OnBlocks<128>{});
  expect_matches<float, Identity>(p, true, OnBlocks<64>{});
  const Problem h = make_problem({130, 0, 64, 3}, 40, 48, DType::bf16);
  expect_matches<bf16, moe::SwiGluEpilogue>(h, false, OnBlocks<128>{});
  expect_matches<bf16, Identity>(h, true, OnBlocks<64>{});
}

TEST(TiledGroupedGemm, MisalignedOperandsLoadElementwise) {
  const Problem p = make_problem({70, 2}, 40, 48);
  expect_matches<float, moe::SwiGluEpilogue>(p, true, OnBlocks<64>{}, /*offset=*/1);
  const Problem h = make_problem({70, 2}, 40, 48, DType::bf16);
  expect_matches<bf16, Identity>(h, true, OnBlocks<64>{}, /*offset=*/3);
}

TEST(TiledGroupedGemm, Bf16StorageOverUnevenExperts) {
  const Problem p = make_problem(kUneven, 13, 19, DType::bf16);
  expect_matches<bf16, moe::SwiGluEpilogue>(p, false, OnTiles{});
  expect_matches<bf16, Identity>(p, true, OnTiles{});
}

TEST(TiledGroupedGemm, DenseFormWithoutATileList) {
  // 11 rows (past the one-thread tile's 8-row block), depth 9, 13 columns.
  const Problem p = make_problem({11}, 9, 13);
  View2<float> a("a", p.rows, p.k), b("b", p.k, p.n), c("c", p.rows, p.n);
  upload(a, p.a);
  upload(b, std::vector<float>(p.b1.begin(), p.b1.begin() + std::ptrdiff_t(p.k) * p.n));
  moe::tiled_dense_gemm<moe::SerialGemmTiling>(a, b, c);
  Kokkos::fence();
  const std::vector<float> got = download(c);
  const std::vector<double> want = reference<Identity>(p, false);
  for (std::size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 1e-5 * (1 + std::fabs(want[i]))) << "element " << i;
}

TEST(StreamGroupedGemm, OneChunkOverUnevenExperts) {
  // 32-row tiles: the 16-row team walks two row blocks; the epilogue runs in the kernel.
  const Problem p = make_problem(kUneven, 13, 19);
  expect_matches<float, moe::SwiGluEpilogue>(p, false, Streamed<0>{});
  expect_matches<float, Identity>(p, true, Streamed<0>{});
}

TEST(StreamGroupedGemm, SplitKThroughTheWorkspace) {
  // Depth 100 in chunks of 32: four chunks, the last partial; stages and steps past the end.
  const Problem p = make_problem({20, 0, 7, 16}, 100, 21);
  expect_matches<float, moe::SwiGluEpilogue>(p, false, Streamed<32>{});
  expect_matches<float, moe::SwiGluEpilogue>(p, true, Streamed<32>{});
  expect_matches<float, Identity>(p, true, Streamed<64>{});
  const Problem h = make_problem({20, 0, 7, 16}, 100, 21, DType::bf16);
  expect_matches<bf16, moe::SwiGluEpilogue>(h, false, Streamed<32>{});
  expect_matches<bf16, Identity>(h, true, Streamed<64>{});
}

TEST(StreamGroupedGemm, WholeQuadsAndMisalignedFallback) {
  // Width 24 and depth 96: 4-column quads and 16-byte A packets; then the same off the grid.
  const Problem p = make_problem({9, 16, 3}, 96, 24);
  expect_matches<float, moe::SwiGluEpilogue>(p, true, Streamed<32>{});
  expect_matches<float, moe::SwiGluEpilogue>(p, true, Streamed<32>{}, /*offset=*/1);
  const Problem h = make_problem({9, 16, 3}, 96, 24, DType::bf16);
  expect_matches<bf16, Identity>(h, false, Streamed<0>{});
  expect_matches<bf16, Identity>(h, false, Streamed<0>{}, /*offset=*/1);
}

TEST(PlannedGroupedGemm, EachPathThroughTheRowTileList) {
  struct Case {
    std::vector<int> rows;
    moe::GemmPath path;
  };
  const std::vector<Case> cases = {{{12, 0, 30, 5}, moe::GemmPath::stream},
                                   {{70, 33, 0, 40}, moe::GemmPath::rows64},
                                   {{200, 0, 130}, moe::GemmPath::rows128}};
  for (const Case& c : cases) {
    const Problem p = make_problem(c.rows, 24, 20);
    moe::RowTileList tiles(moe::RowTileList::capacity_for(p.rows, p.experts));
    tiles.set(p.offsets);
    EXPECT_EQ(tiles.path(), c.path);
    expect_matches<float, moe::SwiGluEpilogue>(p, false, Planned<1>{});
    expect_matches<float, Identity>(p, true, Planned<1>{});
    const Problem h = make_problem(c.rows, 24, 20, DType::bf16);
    expect_matches<bf16, moe::SwiGluEpilogue>(h, true, Planned<1>{});
  }
}

TEST(PlannedGroupedGemm, SplitsKWhenTeamsAreFew) {
  // Few rows per expert and a team target far above blocks x column blocks: K = 1100 splits into
  // two chunks (each at least kMinChunkDepth deep) through the list's own workspace.
  const Problem p = make_problem({6, 0, 16, 9}, 1100, 10);
  expect_matches<float, moe::SwiGluEpilogue>(p, true, Planned<1000>{});
  expect_matches<float, Identity>(p, true, Planned<1000>{});
  const Problem h = make_problem({6, 0, 16, 9}, 1100, 10, DType::bf16);
  expect_matches<bf16, moe::SwiGluEpilogue>(h, false, Planned<1000>{});
}

TEST(PlannedGroupedGemm, PublicEntryPointOnHosts) {
  const Problem p = make_problem(kUneven, 13, 19);
  expect_matches<float, moe::SwiGluEpilogue>(p, false, Public{});
  expect_matches<float, Identity>(p, true, Public{});
  const Problem h = make_problem(kUneven, 13, 19, DType::bf16);
  expect_matches<bf16, moe::SwiGluEpilogue>(h, false, Public{});
}

TEST(GemmPlan, PathFromMeanRowsPerExpertSegment) {
  using moe::GemmPath;
  const auto path = [](std::vector<int> rows) {
    std::vector<int> offsets = {0};
    for (int r : rows) offsets.push_back(offsets.back() + r);
    return moe::choose_path(moe::row_tiles_from_offsets(offsets));
  };
  EXPECT_EQ(path({}), GemmPath::stream);
  EXPECT_EQ(path({16, 16, 0, 16}), GemmPath::stream);
  EXPECT_EQ(path({32, 32}), GemmPath::stream);
  EXPECT_EQ(path({33, 32}), GemmPath::rows64);
  EXPECT_EQ(path({95}), GemmPath::rows64);
  EXPECT_EQ(path({96}), GemmPath::rows128);
  EXPECT_EQ(path({256, 256, 256}), GemmPath::rows128);
}

TEST(GemmPlan, BlocksMergeAnExpertsTilesAndCutThem) {
  // Expert 0: rows [0, 100) in four tiles; expert 1 empty; expert 2: rows [100, 105).
  const auto tiles = moe::row_tiles_from_offsets({0, 100, 100, 105});
  ASSERT_EQ(tiles.size(), 5u);
  const auto big = moe::row_blocks(tiles, 128);
  ASSERT_EQ(big.size(), 2u);
  EXPECT_EQ(big[0].expert, 0);
  EXPECT_EQ(big[0].rows, 100);
  EXPECT_EQ(big[1].expert, 2);
  EXPECT_EQ(big[1].row0, 100);
  const auto small = moe::row_blocks(tiles, 16);
  ASSERT_EQ(small.size(), 8u);  // 7 blocks of expert 0 (six of 16, one of 4), 1 of expert 2
  EXPECT_EQ(small[6].row0, 96);
  EXPECT_EQ(small[6].rows, 4);
  // Tiles of one expert that are not contiguous (two source ranks) stay apart.
  const auto apart = moe::row_blocks({{0, 0, 8}, {0, 20, 8}}, 64);
  EXPECT_EQ(apart.size(), 2u);
}

TEST(GemmPlan, SplitKDepth) {
  // Enough chunks for the team target, each at least kMinChunkDepth deep, whole stages.
  EXPECT_EQ(moe::split_k_depth(128, 7168, 264, 128), 2432);  // 3 chunks
  EXPECT_EQ(moe::split_k_depth(448, 2048, 264, 128), 2048);  // enough teams: one chunk
  EXPECT_EQ(moe::split_k_depth(8, 768, 264, 128), 768);      // too shallow to split
  EXPECT_EQ(moe::split_k_depth(1, 0, 264, 128), 128);
}

TEST(TiledGroupedGemm, DeviceTilingShapesAreConsistent) {
  using T128 = moe::DeviceGemmTiling128;
  using T64 = moe::DeviceGemmTiling64;
  static_assert(T128::kThreads == 256 && T128::kRows == moe::block_rows(moe::GemmPath::rows128));
  static_assert(T64::kThreads == 128 && T64::kRows == moe::block_rows(moe::GemmPath::rows64));
  static_assert(moe::DeviceStreamTiling::kRows == moe::block_rows(moe::GemmPath::stream));
  // Both scratch buffers of each path fit the level-0 scratch a CUDA team gets without opt-in.
  EXPECT_LE((moe::TiledGroupedGemm<moe::SwiGluEpilogue, T128>::scratch_bytes()),
            kCudaLevel0ScratchMax);
  EXPECT_LE((moe::TiledGroupedGemm<Identity, T64, bf16>::scratch_bytes()), kCudaLevel0ScratchMax);
  EXPECT_LE((moe::StreamGroupedGemm<moe::SwiGluEpilogue, moe::DeviceStreamTiling>::scratch_bytes()),
            kCudaLevel0ScratchMax);
  EXPECT_LE((moe::StreamGroupedGemm<Identity, moe::DeviceStreamTiling, bf16>::scratch_bytes()),
            kCudaLevel0ScratchMax);
}

}  // namespace
}  // namespace moat
