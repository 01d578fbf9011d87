// The device grouped GEMM (tiled_gemm.hpp) run on the host with a one-thread tiling: uneven expert
// segments (rows past a team's row block, empty experts), column and depth counts that are not
// multiples of the tile, a gated two-input epilogue and accumulation, against a float64 reference.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/common/random.hpp"
#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/grouped_gemm.hpp"

namespace moat {
namespace {

struct Problem {
  int rows, k, n, experts;
  std::vector<int> offsets;
  std::vector<float> a, b1, b2, c0;
};

Problem make_problem(std::vector<int> rows_per_expert, int k, int n) {
  Problem p;
  p.experts = int(rows_per_expert.size());
  p.offsets = {0};
  for (int r : rows_per_expert) p.offsets.push_back(p.offsets.back() + r);
  p.rows = p.offsets.back();
  p.k = k;
  p.n = n;
  p.a = random_values(std::int64_t(p.rows) * k, DType::fp32, 1);
  p.b1 = random_values(std::int64_t(p.experts) * k * n, DType::fp32, 2);
  p.b2 = random_values(std::int64_t(p.experts) * k * n, DType::fp32, 3);
  p.c0 = random_values(std::int64_t(p.rows) * n, DType::fp32, 4);
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

template <class Tiling, class Epilogue>
void expect_matches(const Problem& p, bool accumulate) {
  View2<float> a("a", p.rows, p.k), c("c", p.rows, p.n);
  View3<float> b1("b1", p.experts, p.k, p.n), b2("b2", p.experts, p.k, p.n);
  upload(a, p.a);
  upload(b1, p.b1);
  upload(b2, p.b2);
  upload(c, p.c0);
  moe::RowTileList tiles(moe::RowTileList::capacity_for(p.rows, p.experts));
  tiles.set(p.offsets);
  moe::tiled_grouped_gemm<Tiling>(tiles.view(), tiles.count(), a, b1, b2, c, Epilogue{},
                                  accumulate);
  Kokkos::fence();
  const std::vector<float> got = download(c);
  const std::vector<double> want = reference<Epilogue>(p, accumulate);
  for (std::size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 1e-4 * (1 + std::fabs(want[i])) * std::sqrt(double(p.k)))
        << "row " << i / p.n << " col " << i % p.n;
}

TEST(TiledGroupedGemm, GatedEpilogueOverUnevenExperts) {
  // 37 rows (past the one-thread tile's 4-row block and past a 32-row device tile), an empty
  // expert, 19 columns (not a multiple of 8), depth 13 (not a multiple of 4).
  const Problem p = make_problem({37, 0, 5, 1}, 13, 19);
  expect_matches<moe::SerialGemmTiling, moe::SwiGluEpilogue>(p, false);
}

TEST(TiledGroupedGemm, AccumulatesIntoC) {
  const Problem p = make_problem({3, 9, 40}, 21, 8);
  expect_matches<moe::SerialGemmTiling, Identity>(p, true);
  expect_matches<moe::SerialGemmTiling, Identity>(p, false);
}

TEST(TiledGroupedGemm, DenseFormWithoutATileList) {
  // 11 rows (past the one-thread tile's 4-row block), depth 9, 13 columns.
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

TEST(TiledGroupedGemm, DeviceTilingShapesAreConsistent) {
  using T = moe::DeviceGemmTiling;
  static_assert(T::kThreads == 128 && T::kRows == moe::kRowTile,
                "one team covers one row tile with 128 threads");
  // Two B slices and A^T of one 16-deep step stay well inside 48 KB of level-0 scratch.
  EXPECT_LT((moe::TiledGroupedGemm<moe::SwiGluEpilogue, T>::scratch_bytes()), 24u * 1024u);
}

}  // namespace
}  // namespace moat
