// random_values draws large inputs on several threads, each skipping ahead to its chunk: the
// values must equal one sequential stream (inputs, oracles and recorded results depend on them).
#include <gtest/gtest.h>

#include "kernels/common/random.hpp"

namespace moat {
namespace {

TEST(RandomValues, ThreadedDrawEqualsTheSequentialStream) {
  const std::int64_t n = 3 * (std::int64_t(1) << 22) + 12345;  // several chunks, a ragged tail
  const std::vector<float> got = random_values(n, DType::bf16, 42, 0.5);
  Rng rng(42);
  for (std::int64_t i = 0; i < n; ++i) {
    const float want = round_to_storage(rng.normal() * 0.5, DType::bf16);
    ASSERT_EQ(got[std::size_t(i)], want) << "element " << i;
  }
}

TEST(RandomValues, SkipAdvancesLikeDraws) {
  Rng a(7), b(7);
  for (int i = 0; i < 1001; ++i) a.next();
  b.skip(1001);
  EXPECT_EQ(a.next(), b.next());
}

}  // namespace
}  // namespace moat
