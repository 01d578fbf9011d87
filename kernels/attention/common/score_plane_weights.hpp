#pragma once
// Seeded mixing weights for score-plane variants: identity plus small normal noise, so that the
// mixed attention stays close to its initialization-time behaviour (both papers start from
// identity-like mixing) while every weight is non-trivial. Host only; no Kokkos.
#include <cstdint>
#include <vector>

#include "kernels/attention/common/score_plane_spec.hpp"
#include "kernels/common/random.hpp"

namespace moat::attention {

// pre: per output head, identity at (own head, last query row, centre key) + N(0, noise).
// post (when g.post_mix): per group, identity + N(0, noise).
inline void seeded_plane_weights(const AttentionShape& s, const PlaneGeometry& g, double noise,
                                 std::uint64_t seed, std::vector<float>& pre,
                                 std::vector<float>& post) {
  Rng rng(seed * 0x51ED27ull + 7);
  const int groups = s.heads_q / g.group, ph = g.pre_heads();
  pre.assign(std::size_t(s.heads_q) * ph * g.cq * g.ck, 0.f);
  for (int h = 0; h < s.heads_q; ++h)
    for (int p = 0; p < ph; ++p)
      for (int a = 0; a < g.cq; ++a)
        for (int c = 0; c < g.ck; ++c) {
          const bool self = (!g.pre_dense || p == h % g.group) && a == g.cq - 1 && c == (g.ck - 1) / 2;
          pre[((std::size_t(h) * ph + p) * g.cq + a) * g.ck + c] =
              float((self ? 1.0 : 0.0) + noise * rng.normal());
        }
  post.clear();
  if (!g.post_mix) return;
  post.resize(std::size_t(groups) * g.group * g.group);
  for (int h = 0; h < s.heads_q; ++h)
    for (int p = 0; p < g.group; ++p)
      post[std::size_t(h) * g.group + p] = float((p == h % g.group ? 1.0 : 0.0) + noise * rng.normal());
}

}  // namespace moat::attention
