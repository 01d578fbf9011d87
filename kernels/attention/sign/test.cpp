// Signed attention is odd in the query: negating q flips the sign of every score, keeps every
// |score| (so the normalizer and the running max are unchanged) and so negates the output.
#include <gtest/gtest.h>

#include "kernels/attention/common/normalizer_skeleton.hpp"
#include "kernels/attention/sign/sign_exp.hpp"
#include "kernels/common/random.hpp"

namespace moat {
namespace {

TEST(SignAttention, OddInTheQuery) {
  const int n = 97;
  attention::AttentionShape s{2, 4, 2, n, n, 16, 16, 0.25f};
  auto hq = random_values(s.q_elems(), DType::fp32, 4);
  View4<float> q("q", 2, 4, n, 16), qn("qn", 2, 4, n, 16), k("k", 2, 2, n, 16), v("v", 2, 2, n, 16);
  upload(q, hq);
  for (auto& x : hq) x = -x;
  upload(qn, hq);
  upload(k, random_values(k.size(), DType::fp32, 5));
  upload(v, random_values(v.size(), DType::fp32, 6));
  View4<float> o1("o1", 2, 4, n, 16), o2("o2", 2, 4, n, 16);
  const attention::CausalMask mask{n, 0, true};
  attention::normalizer_forward(q, k, v, o1, s, variants::attention_sign::SignExp{}, mask);
  attention::normalizer_forward(qn, k, v, o2, s, variants::attention_sign::SignExp{}, mask);
  const auto a = download(o1), b = download(o2);
  double norm = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_NEAR(a[i], -b[i], 1e-6) << i;
    norm += std::abs(a[i]);
  }
  EXPECT_GT(norm, 1.0);  // not trivially zero
}

}  // namespace
}  // namespace moat
