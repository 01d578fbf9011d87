// attention.moh properties beyond the oracle: with a uniform router and every routed head chosen
// it is plain multi-head attention with each head scaled by its gate (1/2 of the stage weight
// times 1/shared or 1/routed); with a learned router each token runs exactly shared + top_k heads.
#include <gtest/gtest.h>

#include <cmath>

#include "core/variant.hpp"
#include "kernels/attention/moh/instance.hpp"

namespace moat {
namespace {

using variants::attention_moh::MohInstance;

Params moh_params(std::map<std::string, ParamValue> given) {
  const VariantSpec* spec = find_variant_spec("attention.moh");
  EXPECT_NE(spec, nullptr);
  Params p = complete_params(spec->params, std::move(given), spec->name);
  spec->validate(p);
  return p;
}

struct Causal {
  int seq_kv, offset;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return kx::min(seq_kv, i + offset + 1); }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const { return j <= i + offset; }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

TEST(Moh, AllRoutedHeadsWithUniformRouterIsScaledMultiHeadAttention) {
  for (int shared : {1, 3}) {
    const Params p = moh_params({{"batch", 2}, {"seq_q", 50}, {"seq_kv", 70}, {"heads_q", 6},
                                 {"heads_kv", 2}, {"head_dim", 16}, {"hidden", 8},
                                 {"shared_heads", shared}, {"top_k", 6 - shared}});
    MohInstance moh(InstanceRequest{p, DType::fp32, 3}, /*router_scale=*/0.0);
    const auto got = moh.output();
    const auto& s = moh.shape();
    View4<float> plain("plain", s.batch, s.heads_q, s.seq_q, s.value_dim);
    attention::flash_forward(moh.q(), moh.k(), moh.v(), plain, s,
                             Causal{s.seq_kv, s.seq_kv - s.seq_q});
    const auto want = download(plain);
    ASSERT_EQ(got.size(), want.size());
    const std::size_t per_head = std::size_t(s.seq_q) * s.value_dim;
    double diff2 = 0, ref2 = 0;
    for (std::size_t e = 0; e < got.size(); ++e) {
      const int h = int(e / per_head % s.heads_q);
      const double g = h < shared ? 0.5 / shared : 0.5 / (s.heads_q - shared);
      const double w = g * want[e];
      diff2 += (got[e] - w) * (got[e] - w);
      ref2 += w * w;
    }
    EXPECT_GT(ref2, 0);
    EXPECT_LT(std::sqrt(diff2 / ref2), 1e-6) << "shared_heads " << shared;
  }
}

TEST(Moh, EachTokenRunsSharedPlusTopKHeads) {
  for (int k : {1, 2, 5}) {
    const Params p = moh_params({{"seq_q", 40}, {"seq_kv", 40}, {"heads_q", 7}, {"heads_kv", 7},
                                 {"head_dim", 8}, {"hidden", 16}, {"shared_heads", 2},
                                 {"top_k", k}});
    MohInstance moh(InstanceRequest{p, DType::fp32, 11});
    const auto out = moh.output();
    const auto& s = moh.shape();
    const auto gates = moh.host_gates();
    for (int i = 0; i < s.seq_q; ++i) {
      int nonzero_rows = 0, nonzero_gates = 0;
      for (int h = 0; h < s.heads_q; ++h) {
        bool any = false;
        for (int d = 0; d < s.value_dim; ++d)
          any = any || out[(std::size_t(h) * s.seq_q + i) * s.value_dim + d] != 0.f;
        nonzero_rows += any;
        nonzero_gates += gates[std::size_t(i) * s.heads_q + h] != 0.0;
      }
      EXPECT_EQ(nonzero_rows, 2 + k) << "token " << i;
      EXPECT_EQ(nonzero_gates, 2 + k) << "token " << i;
    }
  }
}

}  // namespace
}  // namespace moat
