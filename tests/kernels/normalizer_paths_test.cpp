// The normalizer skeleton's two tile paths on the same inputs: the host micro-kernels (what CPU
// builds run) and the register-blocked device path (what GPU builds run), here on the host with
// one thread per team, so that CPU CI checks the GPU path's logic too. Both are compared with the
// float64 oracle of normalizer_instance.hpp for a one-pass normalizer without max or sum, one with
// only a row sum, an online-softmax one and a two-pass one, over causal and full masks, GQA,
// partial query and key tiles, head_dim and value_dim not multiples of the staging chunks (nor of
// 16-byte packets), value columns in several passes, and rows (and a whole query tile) that see
// no key.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "kernels/attention/common/device_qkv.hpp"
#include "kernels/attention/common/normalizer_instance.hpp"
#include "kernels/attention/common/normalizer_skeleton.hpp"
#include "kernels/common/random.hpp"

namespace moat {
namespace {

using attention::AttentionShape;
using attention::CausalMask;

// Sigmoid with a bias and an output factor (attention.sigmoid): no running max, no row sum.
struct Sigmoid {
  static constexpr bool kRunningMax = false, kRowSum = false, kTwoPass = false;
  KOKKOS_INLINE_FUNCTION float key(float s) const { return s; }
  KOKKOS_INLINE_FUNCTION float weight(float s, float, float) const {
    return 1.f / (1.f + kx::exp(-(s - 1.5f)));
  }
  KOKKOS_INLINE_FUNCTION float mass(float, float) const { return 0.f; }
  KOKKOS_INLINE_FUNCTION float out_scale() const { return 0.25f; }
  static std::vector<double> host(const std::vector<double>& x) {
    std::vector<double> w(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) w[j] = 0.25 / (1.0 + std::exp(-(x[j] - 1.5)));
    return w;
  }
};

// ReLU^2 over its row sum (attention.relu2, normalize = row_sum): a sum without a max; rows whose
// scores are all negative have l = 0 and output zeros.
struct Relu2RowSum {
  static constexpr bool kRunningMax = false, kRowSum = true, kTwoPass = false;
  KOKKOS_INLINE_FUNCTION float key(float s) const { return s; }
  KOKKOS_INLINE_FUNCTION float weight(float s, float, float) const {
    const float r = kx::max(s, 0.f);
    return r * r;
  }
  KOKKOS_INLINE_FUNCTION float mass(float s, float m) const { return weight(s, m, 0.f); }
  KOKKOS_INLINE_FUNCTION float out_scale() const { return 1.f; }
  static std::vector<double> host(const std::vector<double>& x) {
    std::vector<double> w(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) w[j] = x[j] > 0 ? x[j] * x[j] : 0.0;
    const double sum = std::accumulate(w.begin(), w.end(), 0.0);
    for (auto& e : w) e = sum > 0 ? e / sum : 0.0;
    return w;
  }
};

// Softmax of |s| signed by s (attention.sign): a running max of key(s) = |s| and a row sum.
struct SignedSoftmax {
  static constexpr bool kRunningMax = true, kRowSum = true, kTwoPass = false;
  KOKKOS_INLINE_FUNCTION float key(float s) const { return kx::fabs(s); }
  KOKKOS_INLINE_FUNCTION float mass(float s, float m) const { return kx::exp(kx::fabs(s) - m); }
  KOKKOS_INLINE_FUNCTION float weight(float s, float m, float) const {
    const float e = kx::exp(kx::fabs(s) - m);
    return s >= 0.f ? e : -e;
  }
  KOKKOS_INLINE_FUNCTION float out_scale() const { return 1.f; }
  static std::vector<double> host(const std::vector<double>& x) {
    double sum = 0;
    for (double e : x) sum += std::exp(std::fabs(e));
    std::vector<double> w(x.size());
    for (std::size_t j = 0; j < x.size(); ++j)
      w[j] = (x[j] >= 0 ? 1.0 : -1.0) * std::exp(std::fabs(x[j])) / sum;
    return w;
  }
};

// Clipped softmax (attention.clipped_softmax) with gamma < 0, so that small probabilities clip
// to zero: the weight needs the final (m, l), and the output is not divided again.
struct Clipped {
  static constexpr bool kRunningMax = true, kRowSum = false, kTwoPass = true;
  static constexpr float kStretch = 1.5f, kGamma = -0.01f;  // zeta - gamma, gamma
  KOKKOS_INLINE_FUNCTION float key(float s) const { return s; }
  KOKKOS_INLINE_FUNCTION float mass(float s, float m) const { return kx::exp(s - m); }
  KOKKOS_INLINE_FUNCTION float weight(float s, float m, float l) const {
    return kx::min(1.f, kx::max(0.f, kStretch * (kx::exp(s - m) / l) + kGamma));
  }
  KOKKOS_INLINE_FUNCTION float out_scale() const { return 2.f; }
  static std::vector<double> host(const std::vector<double>& x) {
    const double m = *std::max_element(x.begin(), x.end());
    double sum = 0;
    for (double e : x) sum += std::exp(e - m);
    std::vector<double> w(x.size());
    for (std::size_t j = 0; j < x.size(); ++j)
      w[j] = 2.0 * std::clamp(double(kStretch) * std::exp(x[j] - m) / sum + kGamma, 0.0, 1.0);
    return w;
  }
};

template <class Norm, bool kHostTiles>
std::vector<float> run(const AttentionShape& s, const CausalMask& mask, const std::vector<float>& q,
                       const std::vector<float>& k, const std::vector<float>& v) {
  const auto qkv = attention::upload_qkv(s, q, k, v);
  const View4<float> o = attention::output_view(s);
  poison(o);
  attention::normalizer_forward<Norm, kHostTiles>(qkv.q, qkv.k, qkv.v, o, s, Norm{}, mask);
  Kokkos::fence();
  return download(o);
}

void expect_near(const std::vector<float>& got, const std::vector<double>& want, const char* path) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 3e-5 * (1 + std::abs(want[i]))) << path << " at " << i;
}

template <class Norm>
void check_paths(const AttentionShape& s, bool causal, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<float> q(std::size_t(s.q_elems())), k(std::size_t(s.k_elems())),
      v(std::size_t(s.v_elems()));
  for (auto& x : q) x = float(rng.normal());
  for (auto& x : k) x = float(rng.normal());
  for (auto& x : v) x = float(rng.normal());
  const CausalMask mask{s.seq_kv, s.seq_kv - s.seq_q, causal};
  std::vector<std::int64_t> rows(std::size_t(s.rows()));
  std::iota(rows.begin(), rows.end(), 0);
  const auto want = attention::oracle_normalizer_rows(s, mask, q, k, v, rows, Norm::host);
  double norm = 0;
  for (double x : want) norm += std::abs(x);
  ASSERT_GT(norm, 0.01 * double(want.size())) << "trivial reference";
  expect_near(run<Norm, true>(s, mask, q, k, v), want, "host tiles");
  expect_near(run<Norm, false>(s, mask, q, k, v), want, "device path");
}

struct Case {
  AttentionShape s;
  bool causal;
  const char* what;
};

// {batch, heads_q, heads_kv, seq_q, seq_kv, head_dim, value_dim, scale}
const Case kCases[] = {
    {{2, 4, 2, 37, 100, 40, 24, 0.16f}, true, "GQA, partial query and key tiles"},
    {{2, 4, 2, 37, 100, 40, 24, 0.16f}, false, "full mask"},
    {{1, 2, 2, 70, 130, 72, 300, 0.12f}, true, "value columns in two passes (256 + 44)"},
    {{1, 3, 1, 33, 65, 16, 200, 0.25f}, false, "MQA, 200 value columns, one key past a tile"},
    {{1, 2, 1, 20, 70, 24, 100, 0.2f}, true, "128 value columns, rows of a partial team"},
    {{1, 2, 1, 100, 40, 24, 40, 0.2f}, true, "seq_q > seq_kv: the first query tile sees no key"},
    {{2, 2, 1, 70, 90, 37, 19, 0.15f}, true, "rows that are not whole packets: padded copies"},
};

template <class Norm>
void check_all(const char* name) {
  std::uint64_t seed = 1;
  for (const Case& c : kCases) {
    SCOPED_TRACE(std::string(name) + ": " + c.what);
    check_paths<Norm>(c.s, c.causal, seed++);
  }
}

TEST(NormalizerPaths, SigmoidNoMaxNoSum) { check_all<Sigmoid>("sigmoid"); }
TEST(NormalizerPaths, Relu2RowSumNoMax) { check_all<Relu2RowSum>("relu2 row sum"); }
TEST(NormalizerPaths, SignedSoftmaxRunningMax) { check_all<SignedSoftmax>("signed softmax"); }
TEST(NormalizerPaths, ClippedSoftmaxTwoPass) { check_all<Clipped>("clipped softmax"); }

TEST(NormalizerPaths, DeviceTileFitsCudaLevel0Scratch) {
  using Widest = attention::NormalizerDevice<Clipped, attention::DeviceFlashTiling<256>>;
  using Wide = attention::NormalizerDevice<Clipped, attention::DeviceFlashTiling<128>>;
  using Narrow = attention::NormalizerDevice<Sigmoid, attention::DeviceFlashTiling<64>>;
  EXPECT_LE(Widest::scratch_bytes(), kCudaLevel0ScratchMax);
  EXPECT_LE(Wide::scratch_bytes(), kCudaLevel0ScratchMax);
  EXPECT_LE(Narrow::scratch_bytes(), kCudaLevel0ScratchMax);
}

}  // namespace
}  // namespace moat
