// The host tile micro-kernels against plain loops: tile_pv at every width path (64-wide register
// blocks, the 32-wide block, the scalar tail) in both score layouts, the key-major score kernel
// at every row/key remainder, and the key-major online softmax including masked keys and rows.
#include "kernels/attention/common/cpu_tile.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/common/random.hpp"

namespace moat {
namespace {

using attention::cpu::kMaxTileCols;
using attention::cpu::kMaxTileRows;
constexpr float kLowest = -3.402823e38f;

void check_pv(bool key_major) {
  const int row_step = key_major ? 1 : kMaxTileCols, key_step = key_major ? kMaxTileRows : 1;
  for (int width : {1, 17, 31, 32, 33, 48, 64, 65, 96, 100, 128, 160}) {
    for (int rows : {1, 3, 5, 32}) {
      const int cols = 45, ldv = width + 3, ldo = width + 5;
      Rng rng(std::uint64_t(width) * 100 + std::uint64_t(rows));
      std::vector<float> p(std::size_t(kMaxTileRows) * kMaxTileCols), v(std::size_t(cols) * ldv),
          o(std::size_t(rows) * ldo), alpha(static_cast<std::size_t>(rows));
      for (auto& x : p) x = float(rng.uniform());
      for (auto& x : v) x = float(rng.normal());
      for (auto& x : o) x = float(rng.normal());
      for (auto& x : alpha) x = float(rng.uniform());
      std::vector<double> want(o.begin(), o.end());
      for (int r = 0; r < rows; ++r)
        for (int w = 0; w < width; ++w) {
          double acc = double(alpha[r]) * o[std::size_t(r) * ldo + w];
          for (int c = 0; c < cols; ++c)
            acc +=
                double(p[std::size_t(r * row_step + c * key_step)]) * v[std::size_t(c) * ldv + w];
          want[std::size_t(r) * ldo + w] = acc;
        }
      attention::cpu::tile_pv(p.data(), row_step, key_step, v.data(), ldv, alpha.data(), rows, cols,
                              width, o.data(), ldo);
      for (std::size_t i = 0; i < o.size(); ++i)
        ASSERT_NEAR(o[i], want[i], 1e-4 * (1 + std::abs(want[i])))
            << "width " << width << " rows " << rows << " at " << i;
    }
  }
}

TEST(CpuTile, PvMatchesPlainLoopsAtEveryWidth) { check_pv(false); }
TEST(CpuTile, PvReadsKeyMajorProbabilities) { check_pv(true); }

TEST(CpuTile, KeyMajorScoresMatchPlainLoops) {
  for (int rows : {1, 4, 8, 9, 16, 17, 31, 32}) {
    for (int cols : {1, 7, 8, 9, 63, 64}) {
      const int depth = 37, ldk = depth + 2;
      Rng rng(std::uint64_t(rows) * 1000 + std::uint64_t(cols));
      std::vector<float> qt(std::size_t(depth) * kMaxTileRows, 0.f), k(std::size_t(cols) * ldk);
      for (int d = 0; d < depth; ++d)
        for (int r = 0; r < rows; ++r) qt[std::size_t(d * kMaxTileRows + r)] = float(rng.normal());
      for (auto& x : k) x = float(rng.normal());
      std::vector<float> st(std::size_t(kMaxTileCols) * kMaxTileRows, NAN);
      attention::cpu::tile_scores_key_major(qt.data(), k.data(), ldk, rows, cols, depth, st.data());
      for (int c = 0; c < cols; ++c)
        for (int r = 0; r < rows; ++r) {
          double want = 0;
          for (int d = 0; d < depth; ++d)
            want += double(qt[std::size_t(d * kMaxTileRows + r)]) * k[std::size_t(c * ldk + d)];
          ASSERT_NEAR(st[std::size_t(c * kMaxTileRows + r)], want, 1e-4 * (1 + std::abs(want)))
              << "rows " << rows << " cols " << cols << " at key " << c << " row " << r;
        }
    }
  }
}

// Two tiles through the key-major softmax against the same two steps in double: row 0 sees
// everything, row 1 has masked keys, row 2 sees nothing in the first tile, row 3 nothing at all.
TEST(CpuTile, KeyMajorOnlineSoftmaxMatchesTwoStepReference) {
  for (int rows : {4, 5, 20, 32}) {
    const int cols = 45;
    Rng rng{std::uint64_t(rows)};
    std::vector<float> m(kMaxTileRows, kLowest), l(kMaxTileRows, 0.f), alpha(kMaxTileRows);
    std::vector<double> ref_m(std::size_t(rows), -INFINITY), ref_l(std::size_t(rows), 0.0);
    for (int tile = 0; tile < 2; ++tile) {
      std::vector<float> st(std::size_t(kMaxTileCols) * kMaxTileRows);
      for (int c = 0; c < cols; ++c)
        for (int r = 0; r < rows; ++r) {
          float x = float(rng.normal()) * 4.f;
          if ((r == 1 && c % 3 == 0) || (r == 2 && tile == 0) || r == 3) x = kLowest;
          st[std::size_t(c * kMaxTileRows + r)] = x;
        }
      const std::vector<float> scores = st;
      attention::cpu::tile_online_softmax_key_major(st.data(), m.data(), l.data(), alpha.data(),
                                                    rows, cols);
      for (int r = 0; r < rows; ++r) {
        double tile_max = -INFINITY;
        for (int c = 0; c < cols; ++c) {
          const float x = scores[std::size_t(c * kMaxTileRows + r)];
          if (x != kLowest) tile_max = std::max(tile_max, double(x));
        }
        if (tile_max == -INFINITY) {  // nothing visible: state kept, no weight
          EXPECT_EQ(alpha[r], 1.f) << "row " << r;
          for (int c = 0; c < cols; ++c) EXPECT_EQ(st[std::size_t(c * kMaxTileRows + r)], 0.f);
          continue;
        }
        const double m_new = std::max(ref_m[r], tile_max);
        const double want_alpha = std::exp(ref_m[r] - m_new);
        double sum = 0;
        for (int c = 0; c < cols; ++c) {
          const float x = scores[std::size_t(c * kMaxTileRows + r)];
          const double want = x == kLowest ? 0.0 : std::exp(double(x) - m_new);
          const float got = st[std::size_t(c * kMaxTileRows + r)];
          if (x == kLowest)
            EXPECT_EQ(got, 0.f) << "masked key " << c << " row " << r;
          else  // fp32 rounding of the argument x - m: relative error ~1.2e-7 * |x - m|
            EXPECT_NEAR(got, want, 4e-7 * (1 + std::abs(x - m_new)) * want)
                << "key " << c << " row " << r;
          sum += want;
        }
        EXPECT_NEAR(alpha[r], want_alpha, 1e-6 * want_alpha) << "row " << r;
        ref_l[r] = ref_l[r] * want_alpha + sum;
        ref_m[r] = m_new;
        EXPECT_NEAR(m[r], ref_m[r], 1e-6 * std::abs(ref_m[r]));
        EXPECT_NEAR(l[r], ref_l[r], 1e-5 * ref_l[r]) << "row " << r << " tile " << tile;
      }
    }
    EXPECT_EQ(l[3], 0.f);  // never saw a key
    EXPECT_EQ(m[3], kLowest);
  }
}

}  // namespace
}  // namespace moat
