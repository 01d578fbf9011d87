#pragma once
// Skeleton of attention that mixes the score plane (across neighbouring queries/keys and across
// heads) before and after softmax: Multi-Token Attention, talking heads. Softmax needs whole
// rows of *mixed* scores, so nothing can stream: each team materializes the score block of
// kPlaneRows queries x all keys for the heads of one group, in a global-memory workspace
// (geometry, sizes and the mixing formula: score_plane_spec.hpp).
//
// Team (batch b, group gi, query block i0..i0+R):
//   1. raw  S0[h][r][j] = scale q_{i0-(cq-1)+r} . k_j  (0 where masked or the row is < 0)
//   2. mix  S [g][r][j] = sum pre * S0 (stencil over the cq x ck window, heads per geometry);
//      -inf (lowest) where masked
//   3. softmax rows: S <- exp(S - max), l[g][r] = row sum (1/l folded into step 4 or 5)
//   4. post mix (optional) W[g][r][j] = sum_h post[g][h] S[h][r][j] / l[h][r]   (into S0's space)
//   5. O[b, head(g), i0 + r] = sum_j W[g][r][j] v_j
// Each step is a flat TeamThreadRange over cells followed by a barrier: portable to Serial,
// OpenMP and CUDA; teams that do not fit the workspace budget run in later launches.
#include <cstddef>
#include <string>

#include "kernels/attention/common/score_plane_spec.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

struct PlaneWeights {
  // pre:  [groups][group][pre_heads][cq][ck]   post: [groups][group][group] (empty: none)
  View1<const float> pre, post;
};

struct ScorePlaneForward {
  View4<const float> q, k, v;
  View4<float> o;
  AttentionShape s;
  PlaneGeometry g;
  PlaneWeights w;
  View1<float> ws;  // team_floats per team of a wave
  // plane_team_floats(s, g), computed on the host: that function lives in score_plane_spec.cpp
  // (no Kokkos, host only), so device code must not call it.
  std::size_t team_floats;
  int q_blocks, first_team;

  KOKKOS_INLINE_FUNCTION int key_end(int i) const {
    return g.causal ? kx::max(0, kx::min(s.seq_kv, i + s.seq_kv - s.seq_q + 1)) : s.seq_kv;
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const int team_id = first_team + team.league_rank();
    const int qb = team_id % q_blocks;
    const int groups = s.heads_q / g.group;
    const int gi = (team_id / q_blocks) % groups;
    const int b = team_id / q_blocks / groups;
    const int i0 = qb * kPlaneRows, rows = kx::min(kPlaneRows, s.seq_q - i0);
    const int G = g.group, SR = g.src_rows(), n = s.seq_kv, halo = g.cq - 1, kc = (g.ck - 1) / 2;
    const int hi = key_end(i0 + rows - 1);  // keys any row of the block sees
    float* raw = ws.data() + std::size_t(team.league_rank()) * team_floats;
    float* mix = raw + std::size_t(G) * SR * n;
    float* lsum = mix + std::size_t(G) * kPlaneRows * n;
    auto RAW = [&](int h, int r, int j) -> float& { return raw[(std::size_t(h) * SR + r) * n + j]; };
    auto MIX = [&](int h, int r, int j) -> float& { return mix[(std::size_t(h) * kPlaneRows + r) * n + j]; };

    // 1. raw scores of the block and its query halo (Mask_0: masked cells are 0)
    const int src = rows + halo;
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, G * src * hi), [&](int idx) {
      const int j = idx % hi, r = idx / hi % src, hg = idx / hi / src;
      const int i = i0 - halo + r, h = gi * G + hg;
      float acc = 0.f;
      if (i >= 0 && j < key_end(i)) {
        const int hk = h / s.group();
        for (int d = 0; d < s.head_dim; ++d) acc += q(b, h, i, d) * k(b, hk, j, d);
        acc *= s.scale;
      }
      RAW(hg, r, j) = acc;
    });
    team.team_barrier();
    // 2. mix over the cq x ck window (and the group's heads when pre_dense); Mask_-inf after
    const int ph = g.pre_heads();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, G * rows * hi), [&](int idx) {
      const int j = idx % hi, r = idx / hi % rows, og = idx / hi / rows;
      if (j >= key_end(i0 + r)) {
        MIX(og, r, j) = kx::lowest_float();
        return;
      }
      const float* wk = w.pre.data() + std::size_t(gi * G + og) * ph * g.cq * g.ck;
      float acc = 0.f;
      for (int p = 0; p < ph; ++p) {
        const int hs = g.pre_dense ? p : og;
        for (int a = 0; a < g.cq; ++a)
          for (int c = 0; c < g.ck; ++c) {
            const int jj = j - kc + c;  // keys >= hi are masked for every source row: 0
            if (jj >= 0 && jj < hi) acc += wk[(p * g.cq + a) * g.ck + c] * RAW(hs, r + a, jj);
          }
      }
      MIX(og, r, j) = acc;
    });
    team.team_barrier();
    // 3. softmax numerators and row sums (rows that see no key: l = 0, output 0)
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, G * rows), [&](int idx) {
      const int r = idx % rows, hg = idx / rows, e = key_end(i0 + r);
      float m = kx::lowest_float(), l = 0.f;
      for (int j = 0; j < e; ++j) m = kx::max(m, MIX(hg, r, j));
      for (int j = 0; j < hi; ++j) {
        const float x = j < e ? kx::exp(MIX(hg, r, j) - m) : 0.f;
        MIX(hg, r, j) = x;
        l += x;
      }
      lsum[hg * kPlaneRows + r] = l;
    });
    team.team_barrier();
    // 4. post-softmax head mixing, normalizing each source row by its own sum
    const float* weights = mix;  // normalized later when there is no post mix
    std::size_t head_stride = std::size_t(kPlaneRows) * n;
    if (g.post_mix) {
      Kokkos::parallel_for(Kokkos::TeamThreadRange(team, G * rows * hi), [&](int idx) {
        const int j = idx % hi, r = idx / hi % rows, og = idx / hi / rows;
        const float* pm = w.post.data() + std::size_t(gi * G + og) * G;
        float acc = 0.f;
        for (int h = 0; h < G; ++h) {
          const float l = lsum[h * kPlaneRows + r];
          if (l > 0.f) acc += pm[h] * MIX(h, r, j) / l;
        }
        RAW(og, r, j) = acc;  // the raw block is free now: reuse it
      });
      team.team_barrier();
      weights = raw;
      head_stride = std::size_t(SR) * n;
    }
    // 5. PV
    const int vd = s.value_dim;
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, G * rows * vd), [&](int idx) {
      const int d = idx % vd, r = idx / vd % rows, og = idx / vd / rows;
      const int h = gi * G + og, hk = h / s.group(), e = key_end(i0 + r);
      const float* wr = weights + og * head_stride + std::size_t(r) * n;
      float acc = 0.f;
      for (int j = 0; j < e; ++j) acc += wr[j] * v(b, hk, j, d);
      if (!g.post_mix) {
        const float l = lsum[og * kPlaneRows + r];
        acc = l > 0.f ? acc / l : 0.f;
      }
      o(b, h, i0 + r, d) = acc;
    });
  }
};

// Runs score-plane attention; `ws` must hold plane_team_floats() * plane_teams_per_wave().
inline void score_plane_forward(const View4<const float>& q, const View4<const float>& k,
                                const View4<const float>& v, const View4<float>& o,
                                const AttentionShape& s, const PlaneGeometry& g,
                                const PlaneWeights& w, const View1<float>& ws) {
  const int teams = plane_teams(s, g), wave = plane_teams_per_wave(s, g);
  ScorePlaneForward f{q, k, v, o, s, g, w, ws, plane_team_floats(s, g),
                      (s.seq_q + kPlaneRows - 1) / kPlaneRows, 0};
  for (int first = 0; first < teams; first += wave) {
    f.first_team = first;
    TeamPolicy tp(kx::min(wave, teams - first), kExecOnHost ? 1 : 128);
    Kokkos::parallel_for("moat::attention::score_plane_forward", tp, f);
  }
}

inline View1<float> plane_workspace(const AttentionShape& s, const PlaneGeometry& g) {
  return View1<float>(std::string("moat_score_plane_ws"),
                      plane_team_floats(s, g) * std::size_t(plane_teams_per_wave(s, g)));
}

}  // namespace moat::attention
