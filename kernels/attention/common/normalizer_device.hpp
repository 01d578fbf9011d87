#pragma once
// The GPU tile path of the normalizer skeleton (normalizer_skeleton.hpp states the Normalizer
// contract). Team layout and matrix steps as in flash_device.hpp (flash_device_tiles.hpp): scores
// and output accumulators in registers, level-0 scratch only. Per key tile, between
// S = (scale Q) K^T and O += W V, each thread turns its scores into weights W in scratch:
//   - masked keys (causal, past the last key, rows past the query tile) weigh nothing;
//   - kRunningMax (one pass): row maxima of key(s) cross the row's threads through the [row][tx]
//     table; accumulators and partial row sums are rescaled by e^(m - m'), as in online softmax;
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
  static constexpr int BK = Tile::BK, TN = Tile::TN;
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
        if (t.col(j) < n) tmax = kx::max(tmax, norm.key(sc[i][j]));
      t.partial(t.r0 + i, t.tx) = tmax;
    }
    t.team.team_barrier();
    for (int i = 0; i < RM; ++i) {
      float row_max = m[i];
      for (int u = 0; u < TN; ++u) row_max = kx::max(row_max, t.partial(t.r0 + i, u));
      alpha[i] = m[i] == kx::lowest_float() ? 0.f : kx::exp(m[i] - row_max);
      m[i] = row_max;
    }
  }

  // l = the sum of every thread's partial l of the row.
  KOKKOS_INLINE_FUNCTION void row_sums(const Tile& t, float (&l)[RM]) const {
    t.team.team_barrier();  // what the table held has been read
    for (int i = 0; i < RM; ++i) t.partial(t.r0 + i, t.tx) = l[i];
    t.team.team_barrier();
    for (int i = 0; i < RM; ++i) {
      l[i] = 0.f;
      for (int u = 0; u < TN; ++u) l[i] += t.partial(t.r0 + i, u);
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const QueryTile tile(team.league_rank(), q_tiles, s);
    const int b = tile.b, h = tile.h, hk = tile.hk, i0 = tile.i0, rows = tile.rows;
    const TileRows tr{b, hk, h, i0, rows, s.seq_q, s.group(), false};
    const Tile t(team);
    const int hi = mask.key_end(i0 + rows - 1);  // keys any row of the tile sees: [0, hi)

    float m[RM], l[RM];  // row max of key(s) (running or final); row sum (partial or final)
    if constexpr (Norm::kTwoPass) {  // pass 0: final (m, l), no values
      for (int i = 0; i < RM; ++i) {
        m[i] = kx::lowest_float();
        l[i] = 0.f;
      }
      for (int k0 = 0; k0 < hi; k0 += BK) {
        float sc[RM][RK], alpha[RM];
        t.scores(q, k, s, tr, k0, kx::min(BK, s.seq_kv - k0), sc);
        update_max(t, i0, rows, k0, sc, m, alpha);
        MOAT_UNROLL_BLOCK for (int i = 0; i < RM; ++i) {
          const int n = visible(i0, rows, t.r0 + i, k0);
          l[i] *= alpha[i];
          for (int j = 0; j < RK; ++j)
            if (t.col(j) < n) l[i] += norm.mass(sc[i][j], m[i]);
        }
      }
      row_sums(t, l);
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

      for (int k0 = 0; k0 < hi; k0 += BK) {
        const int cols = kx::min(BK, s.seq_kv - k0);
        float sc[RM][RK];
        t.scores(q, k, s, tr, k0, cols, sc);
        if constexpr (kOnlineMax) {
          float alpha[RM];
          update_max(t, i0, rows, k0, sc, m, alpha);
          for (int i = 0; i < RM; ++i) {
            l[i] *= alpha[i];
            for (int j = 0; j < RO; ++j) acc[i][j] *= alpha[i];
          }
        }
        // Weights; keys past `cols` weigh nothing, so P V may read the whole chunk.
        MOAT_UNROLL_BLOCK for (int i = 0; i < RM; ++i) {
          const int r = t.r0 + i, n = visible(i0, rows, r, k0);
          for (int j = 0; j < RK; ++j) {
            const float x = sc[i][j];
            float w = 0.f;
            if (t.col(j) < n) {
              w = norm.weight(x, m[i], l[i]);
              if constexpr (kDivide) l[i] += norm.mass(x, m[i]);
            }
            t.p(r, t.col(j)) = w;
          }
        }
        t.accumulate(v, b, hk, k0, cols, dv0, ocols, acc);
      }

      if constexpr (kDivide) row_sums(t, l);
      for (int i = 0; i < RM; ++i) {
        const int r = t.r0 + i;
        if (r >= rows) break;
        float inv = scale_out;
        if constexpr (kDivide) inv = l[i] > 0.f ? scale_out / l[i] : 0.f;
        for (int j = 0; j < RO; ++j) {
          const int d = t.col(j);
          if (d >= ocols) break;
          o(b, h, i0 + r, dv0 + d) = acc[i][j] * inv;
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
  Functor f{q, k, v, o, s, norm, mask, (s.seq_q + kQueryTile - 1) / kQueryTile};
  TeamPolicy tp(s.batch * s.heads_q * f.q_tiles, Tiling::kThreads);
  tp.set_scratch_size(0, Kokkos::PerTeam(Functor::scratch_bytes()));
  Kokkos::parallel_for("moat::attention::normalizer_device", tp, f);
}

// The device tile path on the default execution space: 8 x 8 threads on GPUs, one thread on a
// host space. Value columns go 64 or 128 per pass.
template <class Norm>
void normalizer_forward_device_path(const View4<const float>& q, const View4<const float>& k,
                                    const View4<const float>& v, const View4<float>& o,
                                    const AttentionShape& s, const Norm& norm,
                                    const CausalMask& mask) {
  if constexpr (kExecOnHost) {
    if (s.value_dim <= 64)
      normalizer_device_launch<Norm, SerialFlashTiling<64>>(q, k, v, o, s, norm, mask);
    else
      normalizer_device_launch<Norm, SerialFlashTiling<128>>(q, k, v, o, s, norm, mask);
  } else {
    if (s.value_dim <= 64)
      normalizer_device_launch<Norm, DeviceFlashTiling<64>>(q, k, v, o, s, norm, mask);
    else
      normalizer_device_launch<Norm, DeviceFlashTiling<128>>(q, k, v, o, s, norm, mask);
  }
}

}  // namespace moat::attention
