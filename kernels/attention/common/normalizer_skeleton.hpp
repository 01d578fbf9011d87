#pragma once
// Skeleton of attention with an elementwise normalizer in place of softmax ("score tile ->
// normalizer -> PV"). A variant supplies a Normalizer; the kernel below never changes:
//
//   struct Normalizer {
//     static constexpr bool kRunningMax;  // weights carry exp(key(s) - m): track the row max m
//                                         // of key(s) and rescale partial sums when it grows
//     static constexpr bool kRowSum;      // divide the output by l = sum of mass(s, m)
//     static constexpr bool kTwoPass;     // weight() needs the row's final (m, l): a first pass
//                                         // over the keys computes them (requires kRunningMax)
//     float key(float s) const;                      // what the running max tracks
//     float weight(float s, float m, float l) const; // numerator weight of a visible score
//     float mass(float s, float m) const;            // denominator term (kRowSum / kTwoPass)
//     float out_scale() const;                       // constant output factor (e.g. 1/n)
//   };
//
// Scores are s = scale * q . k; the mask is causal (bottom-right aligned) or none. Masked keys
// contribute nothing; a row that sees no key (or whose row sum is 0) outputs zeros.
// Sigmoid / ReLU^2 / softplus need no running max at all: weights are final as soon as a score
// is known, so there is no rescale of the output accumulator (alpha = 1).
//
// One team owns kQueryTile query rows of one (batch, head) and walks 64-key tiles of
// [0, key_end of its last row). Host spaces (team size 1) use the micro-kernels of cpu_tile.hpp
// for S = Q K^T and O = alpha O + W V; device spaces stage K^T and V in team scratch and give
// each thread one query row, as in flash.hpp.
#include <string>

#include "kernels/attention/common/cpu_tile.hpp"
#include "kernels/attention/common/flash.hpp"  // pack_keys_transposed
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/team_loops.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

// Causal (bottom-right aligned: key j visible to query i iff j <= i + seq_kv - seq_q) or none.
struct CausalMask {
  int seq_kv, offset;
  bool causal;
  KOKKOS_INLINE_FUNCTION int key_end(int i) const {
    return causal ? kx::max(0, kx::min(seq_kv, i + offset + 1)) : seq_kv;
  }
};

template <class Norm>
struct NormalizerForward {
  View4<const float> q, k, v;
  View4<float> o;
  AttentionShape s;
  Norm norm;
  CausalMask mask;
  int q_tiles;
  View1<float> kt_packed;  // host path: K^T per 64-key tile (flash.hpp layout)

  static std::size_t scratch_bytes(const AttentionShape& s) {
    return ScratchView2<float>::shmem_size(kQueryTile, s.head_dim) +   // q rows, pre-scaled
           ScratchView2<float>::shmem_size(s.head_dim, kKeyTile) +     // K tile, transposed
           ScratchView2<float>::shmem_size(kKeyTile, s.value_dim) +    // V tile
           ScratchView2<float>::shmem_size(kQueryTile, kKeyTile) +     // scores -> weights
           ScratchView2<float>::shmem_size(kQueryTile, s.value_dim) +  // output accumulators
           3 * ScratchView1<float>::shmem_size(kQueryTile);            // m, l, alpha
  }
  KOKKOS_INLINE_FUNCTION static int scratch_level() { return kExecOnHost ? 0 : 1; }

  // Pass 1 of two-pass normalizers: online (m, l) of one score row p[0, cols) at keys k0...
  KOKKOS_INLINE_FUNCTION void stats_row(int end, int k0, int cols, const float* p, float& m,
                                        float& l) const {
    const int n = kx::min(cols, end - k0);
    if (n <= 0) return;
    float tile_max = kx::lowest_float();
    for (int c = 0; c < n; ++c) tile_max = kx::max(tile_max, norm.key(p[c]));
    const float m_new = kx::max(m, tile_max);
    l = (m == kx::lowest_float() ? 0.f : l * kx::exp(m - m_new));
    for (int c = 0; c < n; ++c) l += norm.mass(p[c], m_new);
    m = m_new;
  }

  // Turns one score row into weights in place; returns the factor for the old accumulator.
  KOKKOS_INLINE_FUNCTION float weight_row(int end, int k0, int cols, float* p, float& m,
                                          float& l) const {
    const int n = kx::max(0, kx::min(cols, end - k0));
    float alpha = 1.f;
    if constexpr (Norm::kRunningMax && !Norm::kTwoPass) {
      float tile_max = kx::lowest_float();
      for (int c = 0; c < n; ++c) tile_max = kx::max(tile_max, norm.key(p[c]));
      const float m_new = kx::max(m, tile_max);
      alpha = m == kx::lowest_float() ? 0.f : kx::exp(m - m_new);
      if (n == 0)
        alpha = 1.f;  // nothing visible: keep the state
      else
        m = m_new;
      l *= alpha;
    }
    for (int c = 0; c < n; ++c) {
      const float x = p[c];
      p[c] = norm.weight(x, m, l);
      if constexpr (Norm::kRowSum && !Norm::kTwoPass) l += norm.mass(x, m);
    }
    for (int c = n; c < cols; ++c) p[c] = 0.f;  // masked: no weight
    return alpha;
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const QueryTile tile(team.league_rank(), q_tiles, s);
    const int b = tile.b, h = tile.h, hk = tile.hk, i0 = tile.i0, rows = tile.rows;
    const int level = scratch_level();

    ScratchView2<float> q_s(team.team_scratch(level), kQueryTile, s.head_dim);
    ScratchView2<float> kt_s(team.team_scratch(level), s.head_dim, kKeyTile);
    ScratchView2<float> v_s(team.team_scratch(level), kKeyTile, s.value_dim);
    ScratchView2<float> p_s(team.team_scratch(level), kQueryTile, kKeyTile);
    ScratchView2<float> o_s(team.team_scratch(level), kQueryTile, s.value_dim);
    ScratchView1<float> m_s(team.team_scratch(level), kQueryTile);
    ScratchView1<float> l_s(team.team_scratch(level), kQueryTile);
    ScratchView1<float> a_s(team.team_scratch(level), kQueryTile);

    team_for_rows_cols(team, rows, s.head_dim,
                       [&](int r, int d) { q_s(r, d) = q(b, h, i0 + r, d) * s.scale; });
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](int r) {
      m_s(r) = kx::lowest_float();
      l_s(r) = 0.f;
      for (int d = 0; d < s.value_dim; ++d) o_s(r, d) = 0.f;
    });
    const int hi = mask.key_end(i0 + rows - 1);  // keys any row of the tile sees: [0, hi)

    for (int pass = Norm::kTwoPass ? 0 : 1; pass < 2; ++pass) {
      for (int k0 = 0; k0 < hi; k0 += kKeyTile) {
        const int cols = kx::min(kKeyTile, s.seq_kv - k0);
#if !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
        if constexpr (kExecOnHost) {
          host_tile(pass, b, h, hk, i0, rows, k0, cols, q_s, p_s, o_s, m_s, l_s, a_s);
          continue;
        }
#endif
        device_tile(team, pass, b, hk, i0, rows, k0, cols, q_s, kt_s, v_s, p_s, o_s, m_s, l_s);
      }
    }
    team.team_barrier();
    const float scale_out = norm.out_scale();
    team_for_rows_cols(team, rows, s.value_dim, [&](int r, int d) {
      float out = o_s(r, d) * scale_out;
      if constexpr (Norm::kRowSum && !Norm::kTwoPass) out = l_s(r) > 0.f ? out / l_s(r) : 0.f;
      o(b, h, i0 + r, d) = out;
    });
  }

  // Host: scores of the whole query tile through the micro-kernel, weights per row, then W V.
  void host_tile(int pass, int b, int h, int hk, int i0, int rows, int k0, int cols,
                 const ScratchView2<float>& q_s, const ScratchView2<float>& p_s,
                 const ScratchView2<float>& o_s, const ScratchView1<float>& m_s,
                 const ScratchView1<float>& l_s, const ScratchView1<float>& a_s) const {
    (void)h;
    const std::size_t tiles = (s.seq_kv + kKeyTile - 1) / kKeyTile;
    const float* kt =
        kt_packed.data() + ((std::size_t(b) * s.heads_kv + hk) * tiles + k0 / kKeyTile) *
                               std::size_t(s.head_dim) * kKeyTile;
    cpu::tile_scores(q_s.data(), s.head_dim, kt, rows, cols, s.head_dim, p_s.data());
    if (pass == 0) {
      for (int r = 0; r < rows; ++r)
        stats_row(mask.key_end(i0 + r), k0, cols, &p_s(r, 0), m_s(r), l_s(r));
      return;
    }
    for (int r = 0; r < rows; ++r)
      a_s(r) = weight_row(mask.key_end(i0 + r), k0, cols, &p_s(r, 0), m_s(r), l_s(r));
    cpu::tile_pv(p_s.data(), kKeyTile, 1, &v(b, hk, k0, 0), s.value_dim, a_s.data(), rows, cols,
                 s.value_dim, o_s.data(), s.value_dim);
  }

  // Device: stage K^T and V in scratch, one thread per query row.
  KOKKOS_INLINE_FUNCTION void device_tile(
      const TeamMember& team, int pass, int b, int hk, int i0, int rows, int k0, int cols,
      const ScratchView2<float>& q_s, const ScratchView2<float>& kt_s,
      const ScratchView2<float>& v_s, const ScratchView2<float>& p_s,
      const ScratchView2<float>& o_s, const ScratchView1<float>& m_s,
      const ScratchView1<float>& l_s) const {
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, cols * s.head_dim), [&](int idx) {
      const int c = idx / s.head_dim, d = idx % s.head_dim;
      kt_s(d, c) = k(b, hk, k0 + c, d);
    });
    if (pass == 1)
      Kokkos::parallel_for(Kokkos::TeamThreadRange(team, cols * s.value_dim), [&](int idx) {
        const int c = idx / s.value_dim, d = idx % s.value_dim;
        v_s(c, d) = v(b, hk, k0 + c, d);
      });
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](int r) {
      float* p = &p_s(r, 0);
      for (int c = 0; c < cols; ++c) p[c] = 0.f;
      for (int d = 0; d < s.head_dim; ++d) {
        const float qd = q_s(r, d);
        for (int c = 0; c < cols; ++c) p[c] += qd * kt_s(d, c);
      }
      const int end = mask.key_end(i0 + r);
      if (pass == 0) {
        stats_row(end, k0, cols, p, m_s(r), l_s(r));
        return;
      }
      const float alpha = weight_row(end, k0, cols, p, m_s(r), l_s(r));
      for (int d = 0; d < s.value_dim; ++d) {
        float acc = o_s(r, d) * alpha;
        for (int c = 0; c < cols; ++c) acc += p[c] * v_s(c, d);
        o_s(r, d) = acc;
      }
    });
  }
};

// Runs normalizer attention over (q, k, v) into o.
template <class Norm>
void normalizer_forward(const View4<const float>& q, const View4<const float>& k,
                        const View4<const float>& v, const View4<float>& o, const AttentionShape& s,
                        const Norm& norm, const CausalMask& mask) {
  NormalizerForward<Norm> f{q, k, v, o, s, norm, mask, (s.seq_q + kQueryTile - 1) / kQueryTile, {}};
  if constexpr (kExecOnHost) f.kt_packed = pack_keys_transposed(k, s);
  TeamPolicy tp(s.batch * s.heads_q * f.q_tiles, kExecOnHost ? 1 : kQueryTile);
  tp.set_scratch_size(NormalizerForward<Norm>::scratch_level(),
                      Kokkos::PerTeam(NormalizerForward<Norm>::scratch_bytes(s)));
  Kokkos::parallel_for("moat::attention::normalizer_forward", tp, f);
}

}  // namespace moat::attention
