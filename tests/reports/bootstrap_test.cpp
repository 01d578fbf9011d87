// The seeded bootstrap: deterministic, degenerate cases exact, intervals cover the truth.
#include "reports/bootstrap.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "synthetic_results.hpp"

namespace moat::reports {
namespace {

TEST(Bootstrap, SameSeedSameIntervalDifferentSeedDifferentInterval) {
  const auto base = testing::lognormal_samples(1.0, 0.05, 9, 1);
  const auto head = testing::lognormal_samples(1.1, 0.05, 9, 2);
  const Interval a = bootstrap_median_ratio_ci(base, head, 0.95, 2000, 7);
  const Interval b = bootstrap_median_ratio_ci(base, head, 0.95, 2000, 7);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  // Medians of resamples take few distinct values; the mean's interval shows the seed clearly.
  const Interval m7 = bootstrap_mean_ci(base, 0.95, 2000, 7);
  const Interval m8 = bootstrap_mean_ci(base, 0.95, 2000, 8);
  EXPECT_EQ(m7.low, bootstrap_mean_ci(base, 0.95, 2000, 7).low);
  EXPECT_NE(m7.low, m8.low);
}

TEST(Bootstrap, ConstantSamplesGiveAPointInterval) {
  const Interval r = bootstrap_median_ratio_ci({2, 2, 2, 2}, {3, 3, 3}, 0.95);
  EXPECT_DOUBLE_EQ(r.estimate, 1.5);
  EXPECT_DOUBLE_EQ(r.low, 1.5);
  EXPECT_DOUBLE_EQ(r.high, 1.5);
}

TEST(Bootstrap, MedianRatioIntervalCoversTheTrueRatioMostOfTheTime) {
  // 200 independent experiments with a true ratio of 1.2: a 90 % interval should miss rarely
  // (percentile bootstrap of medians is conservative-to-nominal for n = 15).
  int covered = 0;
  for (int i = 0; i < 200; ++i) {
    const auto base = testing::lognormal_samples(1.0, 0.05, 15, 1000 + i);
    const auto head = testing::lognormal_samples(1.2, 0.05, 15, 5000 + i);
    const Interval r = bootstrap_median_ratio_ci(base, head, 0.90, 500, 11 + i);
    EXPECT_LE(r.low, r.estimate);
    EXPECT_GE(r.high, r.estimate);
    if (r.low <= 1.2 && 1.2 <= r.high) ++covered;
  }
  EXPECT_GE(covered, 170);  // binomial(200, 0.9) is below 170 with probability < 1 %
}

TEST(Bootstrap, MeanIntervalOfKnownValues) {
  const Interval r = bootstrap_mean_ci({1, 2, 3, 4, 5}, 0.95);
  EXPECT_DOUBLE_EQ(r.estimate, 3.0);
  EXPECT_GE(r.low, 1.0);
  EXPECT_LE(r.high, 5.0);
  EXPECT_LT(r.low, 3.0);
  EXPECT_GT(r.high, 3.0);
}

TEST(Bootstrap, RejectsBadArguments) {
  EXPECT_THROW(bootstrap_median_ratio_ci({}, {1}, 0.95), Error);
  EXPECT_THROW(bootstrap_median_ratio_ci({1}, {1}, 1.5), Error);
  EXPECT_THROW(bootstrap_mean_ci({1}, 0.95, 10), Error);
}

TEST(Bootstrap, SplitMixIndexStaysInRangeAndUsesIt) {
  SplitMix64 rng(3);
  std::vector<int> hits(7, 0);
  for (int i = 0; i < 7000; ++i) ++hits.at(rng.below(7));
  for (int h : hits) EXPECT_GT(h, 800);  // each of 7 bins expects 1000
}

}  // namespace
}  // namespace moat::reports
