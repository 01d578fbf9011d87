#include <gtest/gtest.h>

#include <cmath>

#include "model/statistics.hpp"

namespace moat::model {

TEST(Statistics, PercentileInterpolatesLinearlyBetweenOrderStatistics) {
  // Sorted: 1 2 3 4; rank of p90 = 0.9 * 3 = 2.7 -> 3 + 0.7 * (4 - 3) = 3.7 (numpy "linear").
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 90), 3.7);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median({5, 1, 3}), 3);
  EXPECT_DOUBLE_EQ(percentile({7}, 90), 7);
  EXPECT_DOUBLE_EQ(percentile({1, 2}, 0), 1);
  EXPECT_DOUBLE_EQ(percentile({1, 2}, 100), 2);
  EXPECT_TRUE(std::isnan(median({})));
}

}  // namespace moat::model
