// Talking heads with identity mixing matrices is plain softmax attention (checked against the
// flash skeleton); and the cost function splits a huge score plane into several launches.
#include <gtest/gtest.h>

#include "core/variant.hpp"
#include "kernels/attention/common/flash.hpp"
#include "kernels/attention/common/score_plane_skeleton.hpp"
#include "kernels/attention/common/score_plane_weights.hpp"
#include "kernels/common/random.hpp"

namespace moat {
namespace {

struct Full {
  int seq_kv;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int) const { return seq_kv; }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int, int) const { return true; }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

TEST(TalkingHeads, IdentityMixingEqualsDense) {
  const int n = 35, m = 81;
  attention::AttentionShape s{2, 6, 3, n, m, 16, 16, 0.25f};
  View4<float> q("q", 2, 6, n, 16), k("k", 2, 3, m, 16), v("v", 2, 3, m, 16);
  upload(q, random_values(q.size(), DType::fp32, 1));
  upload(k, random_values(k.size(), DType::fp32, 2));
  upload(v, random_values(v.size(), DType::fp32, 3));
  attention::PlaneGeometry g;
  g.group = 6;
  g.pre_dense = true;
  g.post_mix = true;
  g.causal = false;
  std::vector<float> pre, post;
  attention::seeded_plane_weights(s, g, 0.0, 1, pre, post);
  View1<float> dpre("pre", pre.size()), dpost("post", post.size());
  upload(dpre, pre);
  upload(dpost, post);
  View4<float> o("o", 2, 6, n, 16), ref("ref", 2, 6, n, 16);
  attention::score_plane_forward(q, k, v, o, s, g, {dpre, dpost}, attention::plane_workspace(s, g));
  attention::flash_forward(q, k, v, ref, s, Full{m});
  const auto got = download(o), want = download(ref);
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 2e-5) << i;
}

TEST(TalkingHeads, HugePlaneRunsInWaves) {
  const VariantSpec* spec = find_variant_spec("attention.talking_heads");
  ASSERT_NE(spec, nullptr);
  auto cost = [&](std::int64_t n) {
    return spec->cost(complete_params(spec->params, {{"heads_q", 32}, {"heads_kv", 8}, {"seq_q", 64},
                                                     {"seq_kv", n}}, "t"), DType::fp32);
  };
  EXPECT_EQ(cost(1024).launches, 1);  // 4 blocks x 32 heads x 32 rows x 1024 keys: fits
  // 32 heads x 32 rows x 131072 keys x 4 B = 512 MiB per block > budget: one block per launch
  EXPECT_EQ(cost(131072).launches, 4);
}

}  // namespace
}  // namespace moat
