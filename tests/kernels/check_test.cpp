// The oracle comparison itself must fail when it should: otherwise every kernel test is void.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/common/check.hpp"
#include "kernels/common/random.hpp"

namespace moat {
namespace {

TEST(CompareWithOracle, AcceptsRoundingNoise) {
  std::vector<double> want = {1.0, -2.0, 3.0};
  std::vector<float> got = {1.0f, -2.0f, 3.0000002f};
  EXPECT_TRUE(compare_with_oracle(got, want, 1e-5).ok);
}

TEST(CompareWithOracle, RejectsWrongValue) {
  std::vector<double> want = {1.0, -2.0, 3.0, 4.0};
  std::vector<float> got = {1.0f, -2.0f, 3.0f, 4.1f};
  auto r = compare_with_oracle(got, want, 1e-5);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("[3]"), std::string::npos) << r.detail;
}

TEST(CompareWithOracle, RejectsUnwrittenNaN) {
  std::vector<double> want = {1.0, 2.0};
  std::vector<float> got = {1.0f, NAN};
  EXPECT_FALSE(compare_with_oracle(got, want, 1e-5).ok);
}

TEST(CompareWithOracle, RejectsAllZeroReferenceUnlessAllowed) {
  std::vector<double> want = {0.0, 0.0};
  std::vector<float> got = {0.0f, 0.0f};
  EXPECT_FALSE(compare_with_oracle(got, want, 1e-5).ok);
  EXPECT_TRUE(compare_with_oracle(got, want, 1e-5, true).ok);
}

TEST(CompareWithOracle, RejectsSingleBadElementInLargeOutput) {
  std::vector<double> want(100000, 1.0);
  std::vector<float> got(100000, 1.0f);
  got[777] = 1.5f;  // normwise error tiny, elementwise error large
  EXPECT_FALSE(compare_with_oracle(got, want, 1e-5).ok);
}

TEST(RowsToCheck, IncludesEdgesAndIsBounded) {
  auto all = rows_to_check(10, 256);
  EXPECT_EQ(all.size(), 10u);
  auto sample = rows_to_check(100000, 64);
  EXPECT_LE(sample.size(), 64u);
  EXPECT_EQ(sample.front(), 0);
  EXPECT_EQ(sample.back(), 99999);
}

TEST(RoundToStorage, Bf16KeepsEightBitsOfMantissa) {
  EXPECT_EQ(round_to_storage(1.0, DType::bf16), 1.0f);
  EXPECT_EQ(round_to_storage(1.0 + 1.0 / 512, DType::bf16), 1.0f);  // ties to even
  EXPECT_EQ(round_to_storage(1.0 + 3.0 / 256, DType::bf16), 1.0f + 1.0f / 64);
}

}  // namespace
}  // namespace moat
