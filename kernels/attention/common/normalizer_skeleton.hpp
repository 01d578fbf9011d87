#pragma once
// Skeleton of attention with an elementwise normalizer in place of softmax ("score tile ->
// normalizer -> PV"). A variant supplies a Normalizer; the kernels below never change:
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
// weight() sees the final l only in two-pass normalizers; one-pass ones get a partial sum whose
// extent depends on the tile path and must not use it. Scores are s = scale * q . k; the mask is
// causal (bottom-right aligned) or none. Masked keys contribute nothing; a row that sees no key
// (or whose row sum is 0) outputs zeros. Sigmoid / ReLU^2 / softplus need no running max at all:
// weights are final as soon as a score is known, so there is no rescale of the output (alpha = 1).
//
// One team owns kQueryTile query rows of one (batch, head) and walks 64-key tiles of
// [0, key_end of its last row). Host spaces (team size 1) run the micro-kernels of cpu_tile.hpp
// for S = Q K^T and O = alpha O + W V on row-major tiles. Device spaces run normalizer_device.hpp:
// the register-blocked layout of the flash device path, level-0 scratch only. kHostTiles = false
// runs the device path on a host space too (one thread per team), which is how the tests check
// the GPU path's logic on a CPU.
#include <string>

#include "kernels/attention/common/cpu_tile.hpp"
#include "kernels/attention/common/flash.hpp"  // pack_keys_transposed
#include "kernels/attention/common/normalizer_device.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

// Host spaces (team size 1): scores of the whole query tile through the micro-kernel, weights per
// row, then W V.
template <class Norm>
struct NormalizerHostForward {
  View4<const float> q, k, v;
  View4<float> o;
  AttentionShape s;
  Norm norm;
  CausalMask mask;
  int q_tiles;
  View1<float> kt_packed;  // K^T per 64-key tile (flash.hpp layout)

  static std::size_t scratch_bytes(const AttentionShape& s) {
    return ScratchView2<float>::shmem_size(kQueryTile, s.head_dim) +   // q rows, pre-scaled
           ScratchView2<float>::shmem_size(kQueryTile, kKeyTile) +     // scores -> weights
           ScratchView2<float>::shmem_size(kQueryTile, s.value_dim) +  // output accumulators
           3 * ScratchView1<float>::shmem_size(kQueryTile);            // m, l, alpha
  }

  // Pass 0 of two-pass normalizers: online (m, l) of one score row p[0, cols) at keys k0...
  void stats_row(int end, int k0, int cols, const float* p, float& m, float& l) const {
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
  float weight_row(int end, int k0, int cols, float* p, float& m, float& l) const {
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

  void operator()(const TeamMember& team) const {
    const QueryTile tile(team.league_rank(), q_tiles, s);
    const int b = tile.b, h = tile.h, hk = tile.hk, i0 = tile.i0, rows = tile.rows;

    ScratchView2<float> q_s(team.team_scratch(0), kQueryTile, s.head_dim);
    ScratchView2<float> p_s(team.team_scratch(0), kQueryTile, kKeyTile);
    ScratchView2<float> o_s(team.team_scratch(0), kQueryTile, s.value_dim);
    ScratchView1<float> m_s(team.team_scratch(0), kQueryTile);
    ScratchView1<float> l_s(team.team_scratch(0), kQueryTile);
    ScratchView1<float> a_s(team.team_scratch(0), kQueryTile);

    for (int r = 0; r < rows; ++r) {
      for (int d = 0; d < s.head_dim; ++d) q_s(r, d) = q(b, h, i0 + r, d) * s.scale;
      m_s(r) = kx::lowest_float();
      l_s(r) = 0.f;
      for (int d = 0; d < s.value_dim; ++d) o_s(r, d) = 0.f;
    }
    const int hi = mask.key_end(i0 + rows - 1);  // keys any row of the tile sees: [0, hi)
    const std::size_t tiles = (s.seq_kv + kKeyTile - 1) / kKeyTile;
    const float* kt_head = kt_packed.data() + (std::size_t(b) * s.heads_kv + hk) * tiles *
                                                  std::size_t(s.head_dim) * kKeyTile;

    for (int pass = Norm::kTwoPass ? 0 : 1; pass < 2; ++pass) {
      for (int k0 = 0; k0 < hi; k0 += kKeyTile) {
        const int cols = kx::min(kKeyTile, s.seq_kv - k0);
        const float* kt = kt_head + std::size_t(k0 / kKeyTile) * s.head_dim * kKeyTile;
        cpu::tile_scores(q_s.data(), s.head_dim, kt, rows, cols, s.head_dim, p_s.data());
        if (pass == 0) {
          for (int r = 0; r < rows; ++r)
            stats_row(mask.key_end(i0 + r), k0, cols, &p_s(r, 0), m_s(r), l_s(r));
          continue;
        }
        for (int r = 0; r < rows; ++r)
          a_s(r) = weight_row(mask.key_end(i0 + r), k0, cols, &p_s(r, 0), m_s(r), l_s(r));
        cpu::tile_pv(p_s.data(), kKeyTile, 1, &v(b, hk, k0, 0), s.value_dim, a_s.data(), rows, cols,
                     s.value_dim, o_s.data(), s.value_dim);
      }
    }
    const float scale_out = norm.out_scale();
    for (int r = 0; r < rows; ++r)
      for (int d = 0; d < s.value_dim; ++d) {
        float out = o_s(r, d) * scale_out;
        if constexpr (Norm::kRowSum && !Norm::kTwoPass) out = l_s(r) > 0.f ? out / l_s(r) : 0.f;
        o(b, h, i0 + r, d) = out;
      }
  }
};

// Runs normalizer attention over (q, k, v) into o. kHostTiles = false runs the device tile path
// (normalizer_device.hpp) on a host space too, for tests.
template <class Norm, bool kHostTiles = kExecOnHost>
void normalizer_forward(const View4<const float>& q, const View4<const float>& k,
                        const View4<const float>& v, const View4<float>& o, const AttentionShape& s,
                        const Norm& norm, const CausalMask& mask) {
  static_assert(kExecOnHost || !kHostTiles, "the host micro-kernels run on host spaces only");
  if constexpr (kHostTiles) {
    using Functor = NormalizerHostForward<Norm>;
    Functor f{q,
              k,
              v,
              o,
              s,
              norm,
              mask,
              (s.seq_q + kQueryTile - 1) / kQueryTile,
              pack_keys_transposed(k, s)};
    TeamPolicy tp(s.batch * s.heads_q * f.q_tiles, 1);
    tp.set_scratch_size(0, Kokkos::PerTeam(Functor::scratch_bytes(s)));
    Kokkos::parallel_for("moat::attention::normalizer_forward", tp, f);
  } else {
    normalizer_forward_device_path(q, k, v, o, s, norm, mask);
  }
}

}  // namespace moat::attention
