#pragma once
// The GPU tile path of the normalizer skeleton (normalizer_skeleton.hpp states the Normalizer
// contract). Team layout, pipeline and matrix steps as in flash_device.hpp
// (flash_device_tiles.hpp): scores and output accumulators in registers, level-0 scratch only.
// Per key tile, between S = (scale Q) K^T and O += W V, each thread turns its scores into weights
// W in scratch:
//   - masked keys (causal, past the last key, rows past the query tile) weigh nothing;
//   - kRunningMax (one pass): row maxima of key(s) cross the row's threads (warp shuffles);
//     accumulators and partial row sums are rescaled by e^(m - m'), as in online softmax;
//   - kRowSum: each thread sums mass(s, m) over its keys; the partials are added once at the end;
//   - kTwoPass: a first walk over the key tiles (scores only) gives every row its final (m, l),
//     the second weighs with them.
// Without a running max nothing crosses threads before the final row sum. Value columns wider
// than kOutCols run in passes that recompute the scores, as in flash_device.hpp.
#include "kernels/attention/common/flash_device_tiles.hpp"

namespace moat::attention {

// Causal (bottom-right aligned: key j visible to query i iff j <= i + seq_kv - seq_q) or none.
struct CausalMask {
  int seq_kv, offset;
  bool causal;
  KOKKOS_INLINE_FUNCTION int key_end(int i) const {
    return causal ? kx::max(0, kx::min(seq_kv, i + offset + 1)) : seq_kv;
  }
};

template <class Norm, class Tiling>
struct NormalizerDevice {
  using Tile = RegisterTile<Tiling>;
  static constexpr int BQ = Tile::BQ;
  static constexpr int RM = Tile::RM, RK = Tile::RK, OC = Tile::OC, RO = Tile::RO;
  static constexpr bool kOnlineMax = Norm::kRunningMax && !Norm::kTwoPass;
  static constexpr bool kDivide = Norm::kRowSum && !Norm::kTwoPass;  // output / l at the end

  View4<const float> q, k, v;
  View4<float> o;
  AttentionShape s;
  Norm norm;
  CausalMask mask;
  int q_tiles;

  static std::size_t scratch_bytes() { return Tile::scratch_bytes(); }

  // Row r of the query tile sees keys [k0, k0 + visible()) of the key tile at k0 (none if <= 0).
  KOKKOS_INLINE_FUNCTION int visible(int i0, int rows, int r, int k0) const {
    return r < rows ? mask.key_end(i0 + r) - k0 : 0;
  }

  // m = max(m, key(s) of every visible key of the row in this tile), the same in every thread of
  // the row; alpha = e^(m_old - m) rescales what was summed under the old max.
  KOKKOS_INLINE_FUNCTION void update_max(const Tile& t, int i0, int rows, int k0,
                                         const float (&sc)[RM][RK], float (&m)[RM],
                                         float (&alpha)[RM]) const {
    MOAT_UNROLL_BLOCK for (int i = 0; i < RM; ++i) {
      const int n = visible(i0, rows, t.r0 + i, k0);
      float tmax = kx::lowest_float();
      for (int j = 0; j < RK; ++j)
        if (t.col(j) < n) tmax = kx::fast_max(tmax, norm.key(sc[i][j]));
      const float row_max = kx::fast_max(m[i], t.row_max(tmax));
      alpha[i] = m[i] == kx::lowest_float() ? 0.f : kx::fast_exp(m[i] - row_max);
      m[i] = row_max;
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const int n = team.league_rank() / q_tiles, i0 = team.league_rank() % q_tiles * BQ;
    const int b = n / s.heads_q, h = n % s.heads_q, rows = kx::min(BQ, s.seq_q - i0);
    const TileRows tr{b, h / s.group(), h, i0, rows, s.seq_q, s.group(), false};
    const Tile t(team);
    const KeyTileRange keys{0, kx::min(s.seq_kv, mask.key_end(i0 + rows - 1))};

    float m[RM], l[RM];  // row max of key(s) (running or final); row sum (partial or final)
    if constexpr (Norm::kTwoPass) {  // pass 0: final (m, l), no values
      for (int i = 0; i < RM; ++i) {
        m[i] = kx::lowest_float();
        l[i] = 0.f;
      }
      float no_values[RM][RO];
      KeyTileRange tiles = keys;
      t.template walk<false>(StageSource<Tiling, float>(q, k, v, s, tr, 0, t.tid), tiles, no_values,
                             [&](int k0, int, float(&sc)[RM][RK]) {
                               float alpha[RM];
                               update_max(t, i0, rows, k0, sc, m, alpha);
                               MOAT_UNROLL_BLOCK for (int i = 0; i < RM; ++i) {
                                 const int nv = visible(i0, rows, t.r0 + i, k0);
                                 l[i] *= alpha[i];
                                 for (int j = 0; j < RK; ++j)
                                   if (t.col(j) < nv) l[i] += norm.mass(sc[i][j], m[i]);
                               }
                             });
      for (int i = 0; i < RM; ++i) l[i] = t.row_sum(l[i]);
    }

    const float scale_out = norm.out_scale();
    for (int dv0 = 0; dv0 < s.value_dim; dv0 += OC) {
      const int ocols = kx::min(OC, s.value_dim - dv0);
      float acc[RM][RO];
      for (int i = 0; i < RM; ++i) {
        if constexpr (!Norm::kTwoPass) {
          m[i] = kx::lowest_float();
          l[i] = 0.f;
        }
        for (int j = 0; j < RO; ++j) acc[i][j] = 0.f;
      }

      KeyTileRange tiles = keys;
      t.template walk<true>(StageSource<Tiling, float>(q, k, v, s, tr, dv0, t.tid), tiles, acc,
                            [&](int k0, int, float(&sc)[RM][RK]) {
                              if constexpr (kOnlineMax) {
                                float alpha[RM];
                                update_max(t, i0, rows, k0, sc, m, alpha);
                                for (int i = 0; i < RM; ++i) {
                                  l[i] *= alpha[i];
                                  for (int j = 0; j < RO; ++j) acc[i][j] *= alpha[i];
                                }
                              }
                              // Weights; keys past the tile and rows past the team's weigh nothing.
                              MOAT_UNROLL_BLOCK for (int i = 0; i < RM; ++i) {
                                const int nv = visible(i0, rows, t.r0 + i, k0);
                                for (int j = 0; j < RK; ++j) {
                                  const float x = sc[i][j];
                                  float w = 0.f;
                                  if (t.col(j) < nv) {
                                    w = norm.weight(x, m[i], l[i]);
                                    if constexpr (kDivide) l[i] += norm.mass(x, m[i]);
                                  }
                                  sc[i][j] = w;
                                }
                              }
                              t.store_weights(sc);
                            });

      // No break / continue in these loops: acc[i][j] must stay in registers (fully unrolled).
      MOAT_UNROLL_BLOCK for (int i = 0; i < RM; ++i) {
        const int r = t.r0 + i;
        float inv = scale_out;
        if constexpr (kDivide) {
          const float row_l = t.row_sum(l[i]);
          inv = row_l > 0.f ? scale_out / row_l : 0.f;
        }
        if (r < rows)
          for (int j = 0; j < RO; ++j) {
            const int d = t.col(j);
            if (d < ocols) o(b, h, i0 + r, dv0 + d) = acc[i][j] * inv;
          }
      }
    }
  }
};

template <class Norm, class Tiling>
void normalizer_device_launch(const View4<const float>& q, const View4<const float>& k,
                              const View4<const float>& v, const View4<float>& o,
                              const AttentionShape& s, const Norm& norm, const CausalMask& mask) {
  using Functor = NormalizerDevice<Norm, Tiling>;
  Functor f{packet_rows(q),
            packet_rows(k),
            packet_rows(v),
            o,
            s,
            norm,
            mask,
            (s.seq_q + kFlashTeamRows - 1) / kFlashTeamRows};
  static_assert(Tiling::kThreadsN == 1 || !kExecOnHost, "rows span several threads on GPUs only");
  FlashTeamPolicy<Tiling> tp(s.batch * s.heads_q * f.q_tiles, Tiling::kThreads);
  tp.set_scratch_size(0, Kokkos::PerTeam(Functor::scratch_bytes()));
  Kokkos::parallel_for("moat::attention::normalizer_device", tp, f);
}

// The device tile path on the default execution space: 128 or 256 threads per team on GPUs, one
// thread on a host space. Value columns go 64, 128 or 256 per pass (flash_out_cols).
template <class Norm>
void normalizer_forward_device_path(const View4<const float>& q, const View4<const float>& k,
                                    const View4<const float>& v, const View4<float>& o,
                                    const AttentionShape& s, const Norm& norm,
                                    const CausalMask& mask) {
  with_flash_tiling(s.value_dim, [&](auto tiling) {
    normalizer_device_launch<Norm, decltype(tiling)>(q, k, v, o, s, norm, mask);
  });
}

}  // namespace moat::attention
