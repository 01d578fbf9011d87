// The CP muMoE layer equals the MoE over its materialized experts W[n] = sum_r U1[n][r] U2[:, r]
// U3[r, :]: checks the factorized reference against the dense definition (the kernel is checked
// against the factorized reference by the generic oracle test).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/common/random.hpp"
#include "kernels/moe/multilinear/factors.hpp"

namespace moat::variants::moe_multilinear {
namespace {

TEST(MuMoe, FactorizedReferenceEqualsMaterializedExperts) {
  const int in = 7, out = 5, n = 6, r = 3;
  const CpFactors f(in, out, n, r, DType::fp32, 9);
  const auto x = random_values(in, DType::fp32, 21);
  // Materialize every expert and apply the dense MoE definition.
  std::vector<double> logits(n, 0.0), a(n);
  for (int i = 0; i < in; ++i)
    for (int e = 0; e < n; ++e) logits[e] += double(x[i]) * f.gate[i * n + e];
  double m = logits[0], sum = 0;
  for (double l : logits) m = std::max(m, l);
  for (int e = 0; e < n; ++e) sum += a[e] = std::exp(logits[e] - m);
  std::vector<double> want(out, 0.0);
  for (int e = 0; e < n; ++e)
    for (int i = 0; i < in; ++i)
      for (int o = 0; o < out; ++o) {
        double w = 0;
        for (int q = 0; q < r; ++q) w += double(f.u1[e * r + q]) * f.u2[i * r + q] * f.u3[q * out + o];
        want[o] += a[e] / sum * x[i] * w;
      }
  const auto got = mumoe_ref(f, x.data());
  ASSERT_EQ(got.size(), want.size());
  double norm = 0;
  for (int o = 0; o < out; ++o) {
    EXPECT_NEAR(got[o], want[o], 1e-12 * (1 + std::fabs(want[o])));
    norm += std::fabs(want[o]);
  }
  EXPECT_GT(norm, 1e-3) << "degenerate (all-zero) layer output";
}

}  // namespace
}  // namespace moat::variants::moe_multilinear
