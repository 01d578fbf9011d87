// The host tile micro-kernels against plain loops, at every width path of tile_pv: 64-wide
// register blocks, the 32-wide block, and the scalar tail (and mixes of them).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/attention/common/cpu_tile.hpp"
#include "kernels/common/random.hpp"

namespace moat {
namespace {

using attention::cpu::kMaxTileCols;

TEST(CpuTile, PvMatchesPlainLoopsAtEveryWidth) {
  for (int width : {1, 17, 31, 32, 33, 48, 64, 65, 96, 100, 128, 160}) {
    for (int rows : {1, 3, 5, 32}) {
      const int cols = 45, ldv = width + 3, ldo = width + 5;
      Rng rng(std::uint64_t(width) * 100 + std::uint64_t(rows));
      std::vector<float> p(std::size_t(rows) * kMaxTileCols), v(std::size_t(cols) * ldv),
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
            acc += double(p[std::size_t(r) * kMaxTileCols + c]) * v[std::size_t(c) * ldv + w];
          want[std::size_t(r) * ldo + w] = acc;
        }
      attention::cpu::tile_pv(p.data(), v.data(), ldv, alpha.data(), rows, cols, width, o.data(),
                              ldo);
      for (std::size_t i = 0; i < o.size(); ++i)
        ASSERT_NEAR(o[i], want[i], 1e-4 * (1 + std::abs(want[i])))
            << "width " << width << " rows " << rows << " at " << i;
    }
  }
}

}  // namespace
}  // namespace moat
