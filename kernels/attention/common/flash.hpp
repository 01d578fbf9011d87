#pragma once
// The tiled online-softmax skeleton ("flash" attention) shared by every softmax-family variant.
// A variant supplies a Policy; the kernel below never changes:
//
//   struct Policy {
//     // Keys row i can see lie in [key_begin, key_end): tiles outside are skipped entirely.
//     KOKKOS_INLINE_FUNCTION int key_begin(int b, int h, int i) const;
//     KOKKOS_INLINE_FUNCTION int key_end(int b, int h, int i) const;
//     KOKKOS_INLINE_FUNCTION bool visible(int b, int h, int i, int j) const;   // the mask
//     KOKKOS_INLINE_FUNCTION float score(int b, int h, int i, int j, float s) const;  // score mod
//   };
//
// One team handles kQueryTile query rows of one (batch, head). For each key tile it stages K
// (transposed, so the score loop runs unit-stride over keys) and V in scratch, then every row
// updates its running max m, normalizer l and unnormalized output o:
//   m' = max(m, max_j s_j);  o = o * e^(m - m') + sum_j e^(s_j - m') v_j;  l likewise.
// Rows that see no key end with l = 0 and output zeros (defined, finite).
#include "kernels/attention/common/online_softmax.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

template <class Policy>
struct FlashForward {
  View4<const float> q, k, v;
  View4<float> o;
  AttentionShape s;
  Policy policy;
  int q_tiles;

  static std::size_t scratch_bytes(const AttentionShape& s) {
    return ScratchView2<float>::shmem_size(kQueryTile, s.head_dim) +    // q rows, pre-scaled
           ScratchView2<float>::shmem_size(s.head_dim, kKeyTile) +     // K tile, transposed
           ScratchView2<float>::shmem_size(kKeyTile, s.value_dim) +    // V tile
           ScratchView2<float>::shmem_size(kQueryTile, kKeyTile) +     // scores -> probabilities
           ScratchView2<float>::shmem_size(kQueryTile, s.value_dim) +  // output accumulators
           2 * ScratchView1<float>::shmem_size(kQueryTile);            // m, l
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const int tile = team.league_rank();
    const int qt = tile % q_tiles;
    const int h = (tile / q_tiles) % s.heads_q;
    const int b = tile / q_tiles / s.heads_q;
    const int hk = h / s.group();
    const int i0 = qt * kQueryTile;
    const int rows = kx::min(kQueryTile, s.seq_q - i0);
    const int level = scratch_level();

    ScratchView2<float> q_s(team.team_scratch(level), kQueryTile, s.head_dim);
    ScratchView2<float> kt_s(team.team_scratch(level), s.head_dim, kKeyTile);
    ScratchView2<float> v_s(team.team_scratch(level), kKeyTile, s.value_dim);
    ScratchView2<float> p_s(team.team_scratch(level), kQueryTile, kKeyTile);
    ScratchView2<float> o_s(team.team_scratch(level), kQueryTile, s.value_dim);
    ScratchView1<float> m_s(team.team_scratch(level), kQueryTile);
    ScratchView1<float> l_s(team.team_scratch(level), kQueryTile);

    // Key range of the whole tile: union of its rows' ranges.
    int k_lo = s.seq_kv, k_hi = 0;
    for (int r = 0; r < rows; ++r) {
      k_lo = kx::min(k_lo, policy.key_begin(b, h, i0 + r));
      k_hi = kx::max(k_hi, policy.key_end(b, h, i0 + r));
    }
    k_lo = kx::max(k_lo, 0) / kKeyTile * kKeyTile;
    k_hi = kx::min(k_hi, s.seq_kv);

    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * s.head_dim), [&](int idx) {
      const int r = idx / s.head_dim, d = idx % s.head_dim;
      q_s(r, d) = q(b, h, i0 + r, d) * s.scale;
    });
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](int r) {
      m_s(r) = kx::lowest_float();
      l_s(r) = 0.f;
      for (int d = 0; d < s.value_dim; ++d) o_s(r, d) = 0.f;
    });

    for (int k0 = k_lo; k0 < k_hi; k0 += kKeyTile) {
      const int cols = kx::min(kKeyTile, s.seq_kv - k0);
      team.team_barrier();
      Kokkos::parallel_for(Kokkos::TeamThreadRange(team, cols * s.head_dim), [&](int idx) {
        const int c = idx / s.head_dim, d = idx % s.head_dim;
        kt_s(d, c) = k(b, hk, k0 + c, d);
      });
      Kokkos::parallel_for(Kokkos::TeamThreadRange(team, cols * s.value_dim), [&](int idx) {
        const int c = idx / s.value_dim, d = idx % s.value_dim;
        v_s(c, d) = v(b, hk, k0 + c, d);
      });
      team.team_barrier();
      Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](int r) {
        const int i = i0 + r;
        if (k0 + cols <= policy.key_begin(b, h, i) || k0 >= policy.key_end(b, h, i)) return;
        float* __restrict__ p = &p_s(r, 0);
        for (int c = 0; c < cols; ++c) p[c] = 0.f;
        for (int d = 0; d < s.head_dim; ++d) {
          const float qd = q_s(r, d);
          const float* __restrict__ kt = &kt_s(d, 0);
          for (int c = 0; c < cols; ++c) p[c] += qd * kt[c];
        }
        float tile_max = kx::lowest_float();
        for (int c = 0; c < cols; ++c) {
          const int j = k0 + c;
          p[c] = policy.visible(b, h, i, j) ? policy.score(b, h, i, j, p[c]) : kx::lowest_float();
          tile_max = kx::max(tile_max, p[c]);
        }
        if (tile_max == kx::lowest_float()) return;  // nothing visible in this tile
        OnlineSoftmaxState st{m_s(r), l_s(r)};
        const float alpha = st.rescale_to(tile_max);
        float sum = 0.f;
        for (int c = 0; c < cols; ++c) {
          const float e = p[c] == kx::lowest_float() ? 0.f : kx::exp(p[c] - st.m);
          p[c] = e;
          sum += e;
        }
        st.l += sum;
        float* __restrict__ out = &o_s(r, 0);
        for (int d = 0; d < s.value_dim; ++d) out[d] *= alpha;
        for (int c = 0; c < cols; ++c) {
          const float pc = p[c];
          const float* __restrict__ vr = &v_s(c, 0);
          for (int d = 0; d < s.value_dim; ++d) out[d] += pc * vr[d];
        }
        m_s(r) = st.m;
        l_s(r) = st.l;
      });
    }
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * s.value_dim), [&](int idx) {
      const int r = idx / s.value_dim, d = idx % s.value_dim;
      const float l = l_s(r);
      o(b, h, i0 + r, d) = l > 0.f ? o_s(r, d) / l : 0.f;
    });
  }

  static int scratch_level() { return kExecOnHost ? 0 : 1; }
};

// Runs softmax attention over (q, k, v) into o with the given mask/score policy.
template <class Policy>
void flash_forward(const View4<const float>& q, const View4<const float>& k,
                   const View4<const float>& v, const View4<float>& o, const AttentionShape& s,
                   const Policy& policy) {
  FlashForward<Policy> f{q, k, v, o, s, policy, (s.seq_q + kQueryTile - 1) / kQueryTile};
  const int league = s.batch * s.heads_q * f.q_tiles;
  const int team_size = kExecOnHost ? 1 : kQueryTile;
  TeamPolicy tp(league, team_size);
  tp.set_scratch_size(FlashForward<Policy>::scratch_level(),
                      Kokkos::PerTeam(FlashForward<Policy>::scratch_bytes(s)));
  Kokkos::parallel_for("moat::attention::flash_forward", tp, f);
}

}  // namespace moat::attention
