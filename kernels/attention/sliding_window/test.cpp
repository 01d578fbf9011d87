// Sliding window covering the whole sequence equals dense causal attention, and the cost of a
// narrow window grows with the window, not with the sequence.
#include <gtest/gtest.h>

#include "core/variant.hpp"
#include "kernels/attention/common/flash.hpp"
#include "kernels/attention/sliding_window/policy.hpp"
#include "kernels/common/random.hpp"

namespace moat {
namespace {

struct Causal {
  int seq_kv, offset;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return kx::min(seq_kv, i + offset + 1); }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const { return j <= i + offset; }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

TEST(SlidingWindow, WindowCoveringSequenceEqualsDenseCausal) {
  attention::AttentionShape s{1, 4, 2, 150, 150, 32, 32, 0.17f};
  View4<float> q("q", 1, 4, 150, 32), k("k", 1, 2, 150, 32), v("v", 1, 2, 150, 32);
  upload(q, random_values(q.size(), DType::fp32, 1));
  upload(k, random_values(k.size(), DType::fp32, 2));
  upload(v, random_values(v.size(), DType::fp32, 3));
  View4<float> o1("o1", 1, 4, 150, 32), o2("o2", 1, 4, 150, 32);
  attention::flash_forward(q, k, v, o1, s, attention::SlidingWindow{150, 0, 150, true});
  attention::flash_forward(q, k, v, o2, s, Causal{150, 0});
  auto a = download(o1), b = download(o2);
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_FLOAT_EQ(a[i], b[i]) << i;
}

TEST(SlidingWindow, CostScalesWithWindow) {
  const VariantSpec* spec = find_variant_spec("attention.sliding_window");
  ASSERT_NE(spec, nullptr);
  auto cost = [&](int n, int w) {
    return spec->cost(complete_params(spec->params, {{"seq_q", n}, {"seq_kv", n}, {"window", w}}, "t"),
                      DType::fp32).flops_matrix;
  };
  EXPECT_NEAR(cost(8192, 256) / cost(4096, 256), 2.0, 0.05);  // linear in n for fixed window
}

}  // namespace
}  // namespace moat
