// Clipped softmax with zeta = 1, gamma = 0 is exactly softmax: the two-pass normalizer kernel
// must then agree with the flash (online softmax) skeleton; and its cost charges Q K^T twice.
#include <gtest/gtest.h>

#include "core/variant.hpp"
#include "kernels/attention/clipped_softmax/clipped.hpp"
#include "kernels/attention/common/flash.hpp"
#include "kernels/attention/common/normalizer_skeleton.hpp"
#include "kernels/common/random.hpp"

namespace moat {
namespace {

struct Causal {
  int seq_kv, offset;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return kx::max(0, kx::min(seq_kv, i + offset + 1)); }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const { return j <= i + offset; }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

TEST(ClippedSoftmax, UnitStretchZeroGammaIsSoftmax) {
  const int n = 150, m = 130;  // seq_q > seq_kv: the first rows see no key
  attention::AttentionShape s{1, 4, 2, n, m, 32, 24, 0.17f};
  View4<float> q("q", 1, 4, n, 32), k("k", 1, 2, m, 32), v("v", 1, 2, m, 24);
  upload(q, random_values(q.size(), DType::fp32, 1));
  upload(k, random_values(k.size(), DType::fp32, 2));
  upload(v, random_values(v.size(), DType::fp32, 3));
  View4<float> o1("o1", 1, 4, n, 24), o2("o2", 1, 4, n, 24);
  attention::normalizer_forward(q, k, v, o1, s, variants::attention_clipped_softmax::Clipped{1.f, 0.f},
                                attention::CausalMask{m, m - n, true});
  attention::flash_forward(q, k, v, o2, s, Causal{m, m - n});
  const auto a = download(o1), b = download(o2);
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 2e-5) << i;
}

TEST(ClippedSoftmax, CostChargesScoresTwice) {
  const VariantSpec* clipped = find_variant_spec("attention.clipped_softmax");
  const VariantSpec* sign = find_variant_spec("attention.sign");  // same skeleton, one pass
  ASSERT_NE(clipped, nullptr);
  ASSERT_NE(sign, nullptr);
  const std::map<std::string, ParamValue> given = {{"seq_q", 300}, {"seq_kv", 300}, {"head_dim", 64},
                                                   {"value_dim", 32}};
  const double two = clipped->cost(complete_params(clipped->params, given, "t"), DType::fp32).flops_matrix;
  const double one = sign->cost(complete_params(sign->params, given, "t"), DType::fp32).flops_matrix;
  EXPECT_NEAR(two / one, (2.0 * 64 + 32) / (64 + 32), 1e-12);
}

}  // namespace
}  // namespace moat
