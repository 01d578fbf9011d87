// Multi-Token Attention with identity kernels (1 at the current query and centre key, no head
// mixing weight off the diagonal) is plain causal softmax attention, for any cq, ck, ch: checks
// the halo rows, key padding and Mask_0 / Mask_-inf handling of the score-plane skeleton
// against the independent flash skeleton.
#include <gtest/gtest.h>

#include "kernels/attention/common/flash.hpp"
#include "kernels/attention/common/score_plane_skeleton.hpp"
#include "kernels/attention/common/score_plane_weights.hpp"
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

TEST(MultiToken, IdentityKernelsEqualDenseCausal) {
  const int n = 53, m = 70;
  attention::AttentionShape s{1, 4, 2, n, m, 16, 8, 0.25f};
  View4<float> q("q", 1, 4, n, 16), k("k", 1, 2, m, 16), v("v", 1, 2, m, 8);
  upload(q, random_values(q.size(), DType::fp32, 1));
  upload(k, random_values(k.size(), DType::fp32, 2));
  upload(v, random_values(v.size(), DType::fp32, 3));
  View4<float> ref("ref", 1, 4, n, 8);
  attention::flash_forward(q, k, v, ref, s, Causal{m, m - n});
  const auto want = download(ref);
  for (int ch : {1, 2, 4}) {
    attention::PlaneGeometry g;
    g.group = ch;
    g.cq = 3;
    g.ck = 5;
    g.post_mix = ch > 1;
    std::vector<float> pre, post;
    attention::seeded_plane_weights(s, g, 0.0, 1, pre, post);
    View1<float> dpre("pre", pre.size()), dpost("post", std::max<std::size_t>(1, post.size()));
    upload(dpre, pre);
    if (!post.empty()) upload(dpost, post);
    View4<float> o("o", 1, 4, n, 8);
    attention::score_plane_forward(q, k, v, o, s, g, {dpre, dpost}, attention::plane_workspace(s, g));
    const auto got = download(o);
    for (std::size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 2e-5) << "ch " << ch << " at " << i;
  }
}

}  // namespace
}  // namespace moat
