// Statistics against golden values derived independently (golden/derive_golden.py: exact
// enumeration with fractions, textbook formulas, Python's NormalDist).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "reports/hodges_lehmann.hpp"
#include "reports/mann_whitney.hpp"
#include "reports/multiple_testing.hpp"
#include "reports/normal_distribution.hpp"
#include "reports/stats_descriptive.hpp"

namespace moat::reports {
namespace {

nlohmann::json golden(const std::string& name) {
  std::ifstream in(std::string(MOAT_REPORTS_GOLDEN_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << "missing golden file " << name;
  return nlohmann::json::parse(in);
}

std::vector<double> doubles(const nlohmann::json& j) { return j.get<std::vector<double>>(); }

TEST(StatsGolden, MannWhitneyMatchesEnumerationAndFormulas) {
  const auto cases = golden("mann_whitney.json")["cases"];
  ASSERT_GE(cases.size(), 7u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto r = mann_whitney_u(doubles(c["x"]), doubles(c["y"]));
    EXPECT_DOUBLE_EQ(r.u, c["u"].get<double>());
    EXPECT_EQ(r.exact, c["exact"].get<bool>());
    EXPECT_NEAR(r.p_value, c["p_value"].get<double>(), 1e-12);
  }
}

TEST(StatsGolden, MannWhitneyIsSymmetricInItsArguments) {
  const std::vector<double> x = {1, 3, 5, 8}, y = {2, 4, 6, 7, 9};
  const auto xy = mann_whitney_u(x, y), yx = mann_whitney_u(y, x);
  EXPECT_DOUBLE_EQ(xy.u + yx.u, 20.0);  // U_x + U_y = nx ny
  EXPECT_DOUBLE_EQ(xy.p_value, yx.p_value);
}

// The DP for the exact U distribution against brute-force enumeration of rank subsets.
TEST(StatsGolden, ExactDistributionMatchesSubsetEnumeration) {
  for (std::size_t nx = 1; nx <= 6; ++nx) {
    for (std::size_t ny = 1; ny <= 6; ++ny) {
      const std::size_t n = nx + ny;
      std::vector<double> counts(nx * ny + 1, 0.0);
      double total = 0;
      for (unsigned mask = 0; mask < (1u << n); ++mask) {
        if (static_cast<std::size_t>(__builtin_popcount(mask)) != nx) continue;
        std::size_t rank_sum = 0;
        for (std::size_t b = 0; b < n; ++b)
          if (mask & (1u << b)) rank_sum += b + 1;
        counts[rank_sum - nx * (nx + 1) / 2] += 1;
        total += 1;
      }
      const auto cdf = mann_whitney_exact_cdf(nx, ny);
      double running = 0;
      for (std::size_t u = 0; u < counts.size(); ++u) {
        running += counts[u];
        EXPECT_NEAR(cdf[u], running / total, 1e-15) << nx << "x" << ny << " u=" << u;
      }
    }
  }
}

TEST(StatsGolden, HodgesLehmannShiftAndInterval) {
  for (const auto& c : golden("hodges_lehmann.json")["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto s = hodges_lehmann_shift(doubles(c["x"]), doubles(c["y"]), c["level"].get<double>());
    EXPECT_NEAR(s.estimate, c["estimate"].get<double>(), 1e-12);
    EXPECT_NEAR(s.ci_low, c["ci_low"].get<double>(), 1e-12);
    EXPECT_NEAR(s.ci_high, c["ci_high"].get<double>(), 1e-12);
    EXPECT_NEAR(s.achieved_level, c["achieved_level"].get<double>(), 1e-12);
  }
}

TEST(StatsGolden, HodgesLehmannIntervalIsUnboundedWhenSamplesAreTooSmall) {
  // 3 vs 3: the smallest tail probability is 1/20 > 0.025, so no 95 % interval exists.
  const auto s = hodges_lehmann_shift({1, 2, 3}, {4, 5, 6}, 0.95);
  EXPECT_TRUE(std::isinf(s.ci_low) && s.ci_low < 0);
  EXPECT_TRUE(std::isinf(s.ci_high) && s.ci_high > 0);
}

TEST(StatsGolden, BenjaminiHochberg) {
  for (const auto& c : golden("benjamini_hochberg.json")["cases"]) {
    std::vector<double> p;
    for (const auto& v : c["p"]) p.push_back(v.is_null() ? std::nan("") : v.get<double>());
    const auto q = benjamini_hochberg(p);
    ASSERT_EQ(q.size(), p.size());
    for (std::size_t i = 0; i < q.size(); ++i) {
      if (c["q"][i].is_null()) {
        EXPECT_TRUE(std::isnan(q[i]));
      } else {
        EXPECT_NEAR(q[i], c["q"][i].get<double>(), 1e-12) << "index " << i;
      }
    }
  }
  EXPECT_THROW(benjamini_hochberg({0.5, 1.5}), Error);
}

TEST(StatsGolden, NormalDistribution) {
  const auto g = golden("normal.json");
  for (const auto& q : g["quantiles"])
    EXPECT_NEAR(normal_quantile(q["p"].get<double>()), q["z"].get<double>(), 1e-12) << q.dump();
  for (const auto& c : g["cdf"])
    EXPECT_NEAR(normal_cdf(c["z"].get<double>()), c["p"].get<double>(), 1e-15) << c.dump();
  EXPECT_THROW(normal_quantile(0.0), Error);
  EXPECT_THROW(normal_quantile(1.0), Error);
}

TEST(StatsGolden, DescriptiveStatistics) {
  for (const auto& c : golden("descriptive.json")["cases"]) {
    const auto v = doubles(c["values"]);
    if (c.contains("median")) {
      EXPECT_DOUBLE_EQ(median(v), c["median"].get<double>());
    }
    if (c.contains("robust_cv")) {
      EXPECT_NEAR(robust_cv(v), c["robust_cv"].get<double>(), 1e-12);
    }
    auto sorted = v;
    std::sort(sorted.begin(), sorted.end());
    if (c.contains("quantile_0.25")) {
      EXPECT_DOUBLE_EQ(quantile_sorted(sorted, 0.25), c["quantile_0.25"].get<double>());
    }
    if (c.contains("quantile_0.1")) {
      EXPECT_DOUBLE_EQ(quantile_sorted(sorted, 0.1), c["quantile_0.1"].get<double>());
    }
  }
  EXPECT_THROW(median({}), Error);
  EXPECT_NEAR(geometric_mean({1, 4, 16}), 4.0, 1e-12);
  EXPECT_THROW(geometric_mean({1, 0}), Error);
}

}  // namespace
}  // namespace moat::reports
