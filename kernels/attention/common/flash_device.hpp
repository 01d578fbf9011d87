#pragma once
// The GPU tile path of the flash skeleton (flash.hpp states the Policy contract and the math).
// One team per kQueryTile query rows of one (batch, head), laid out as in flash_device_tiles.hpp:
// scores and output accumulators in registers. Per key tile:
//   1. S = (scale Q) K^T (RegisterTile::scores);
//   2. mask and score mod per element; row maxima through the [row][tx] scratch table;
//   3. P = exp(S - m) written to scratch; accumulators and partial row sums rescaled by alpha;
//   4. O += P V (RegisterTile::accumulate).
// Every thread of a row computes the same running max from the same partials, so only the row
// maxima cross threads per tile; partial row sums are added once at the end. Value columns wider
// than kOutCols run in passes (the scores are recomputed per pass: wide latent values, MLA).
//
// The team layout is a template parameter: GPUs use 8 x 8 threads; a one-thread layout runs the
// same code on a host team, which is how CPU tests check the GPU path.
#include "kernels/attention/common/flash_device_tiles.hpp"
#include "kernels/attention/common/flash_policy.hpp"

namespace moat::attention {

template <class Policy, class Tiling, class T = float>
struct FlashDevice {
  using Tile = RegisterTile<Tiling>;
  static constexpr int BK = Tile::BK, TN = Tile::TN;
  static constexpr int RM = Tile::RM, RK = Tile::RK, OC = Tile::OC, RO = Tile::RO;

  View4<const T> q, k, v;
  View4<T> o;
  AttentionShape s;
  Policy policy;
  int q_tiles;

  static std::size_t scratch_bytes() { return Tile::scratch_bytes(); }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const QueryTile tile(team.league_rank(), q_tiles, s);
    const int b = tile.b, h = tile.h, hk = tile.hk, qt = tile.qt, i0 = tile.i0, rows = tile.rows;
    const Tile t(team);
    const int r0 = t.r0, tx = t.tx;
    const View4<const T>& values = PolicyValuesFromKeys<Policy> ? k : v;

    const TileSpans<Policy> spans(policy, b, h, qt, i0, rows, s.seq_kv);
    float sink = kx::lowest_float();
    if constexpr (PolicyHasSink<Policy>) sink = policy.sink_logit(b, h);

    for (int dv0 = 0; dv0 < s.value_dim; dv0 += OC) {
      const int ocols = kx::min(OC, s.value_dim - dv0);
      float m[RM], lpart[RM], acc[RM][RO];
      for (int i = 0; i < RM; ++i) {
        m[i] = sink;  // the sink logit (if any) is the first "key": its value vector is zero
        lpart[i] = 0.f;
        for (int j = 0; j < RO; ++j) acc[i][j] = 0.f;
      }

      spans.for_each_tile([&](int k0, int cols) {
        // 1. Scores.
        float sc[RM][RK];
        t.scores(q, k, s, b, h, hk, i0, rows, k0, cols, sc);
        // 2. Mask, score mod, this thread's row maxima.
        for (int i = 0; i < RM; ++i) {
          const int r = r0 + i, row = i0 + r;
          float tmax = kx::lowest_float();
          if (r < rows) {
            const int kb = policy.key_begin(b, h, row), ke = policy.key_end(b, h, row);
            // Keys past `cols` (a partial last tile) hold zeros: they are masked too.
            const bool whole = cols == BK && fully_visible<Policy>(kb, ke, k0, cols);
            for (int j = 0; j < RK; ++j) {
              if (!whole) {
                const int c = t.col(j);
                sc[i][j] = c < cols ? masked_score(policy, b, h, row, k0 + c, kb, ke, sc[i][j])
                                    : kx::lowest_float();
              }
              tmax = kx::max(tmax, sc[i][j]);
            }
          } else {
            for (int j = 0; j < RK; ++j) sc[i][j] = kx::lowest_float();
          }
          t.partial(r, tx) = tmax;
        }
        team.team_barrier();
        // 3. Online softmax: the same new max in every thread of a row.
        for (int i = 0; i < RM; ++i) {
          const int r = r0 + i;
          float row_max = m[i];
          for (int u = 0; u < TN; ++u) row_max = kx::max(row_max, t.partial(r, u));
          const float alpha = m[i] == kx::lowest_float() ? 0.f : kx::exp(m[i] - row_max);
          m[i] = row_max;
          lpart[i] *= alpha;
          for (int j = 0; j < RO; ++j) acc[i][j] *= alpha;
          for (int j = 0; j < RK; ++j) {
            const float p = sc[i][j] == kx::lowest_float() ? 0.f : kx::exp(sc[i][j] - row_max);
            lpart[i] += p;
            t.p(r, t.col(j)) = p;
          }
        }
        // 4. O += P V.
        t.accumulate(values, b, hk, k0, cols, dv0, ocols, acc);
      });

      // Row sums: partials of the row's threads, plus the sink's term.
      team.team_barrier();
      for (int i = 0; i < RM; ++i) t.partial(r0 + i, tx) = lpart[i];
      team.team_barrier();
      for (int i = 0; i < RM; ++i) {
        const int r = r0 + i;
        if (r >= rows) break;
        float l = 0.f;
        for (int u = 0; u < TN; ++u) l += t.partial(r, u);
        if constexpr (PolicyHasSink<Policy>) l += kx::exp(sink - m[i]);
        const float inv_l = l > 0.f ? 1.f / l : 0.f;
        for (int j = 0; j < RO; ++j) {
          const int d = t.col(j);
          if (d >= ocols) break;
          float out = acc[i][j] * inv_l;
          if constexpr (PolicyHasFinish<Policy>) out = policy.finish(b, h, i0 + r, dv0 + d, out);
          o(b, h, i0 + r, dv0 + d) = store_as<T>(out);
        }
      }
    }
  }
};

template <class Policy, class Tiling, class T>
void flash_device_launch(const View4<const T>& q, const View4<const T>& k, const View4<const T>& v,
                         const View4<T>& o, const AttentionShape& s, const Policy& policy) {
  using Functor = FlashDevice<Policy, Tiling, T>;
  Functor f{q, k, v, o, s, policy, (s.seq_q + kQueryTile - 1) / kQueryTile};
  TeamPolicy tp(s.batch * s.heads_q * f.q_tiles, Tiling::kThreads);
  tp.set_scratch_size(0, Kokkos::PerTeam(Functor::scratch_bytes()));
  Kokkos::parallel_for("moat::attention::flash_device", tp, f);
}

// The device tile path on the default execution space: 8 x 8 threads on GPUs, one thread on a
// host space. Value columns go 64 or 128 per pass.
template <class Policy, class T>
void flash_forward_device_path(const View4<const T>& q, const View4<const T>& k,
                               const View4<const T>& v, const View4<T>& o, const AttentionShape& s,
                               const Policy& policy) {
  if constexpr (kExecOnHost) {
    if (s.value_dim <= 64)
      flash_device_launch<Policy, SerialFlashTiling<64>, T>(q, k, v, o, s, policy);
    else
      flash_device_launch<Policy, SerialFlashTiling<128>, T>(q, k, v, o, s, policy);
  } else {
    if (s.value_dim <= 64)
      flash_device_launch<Policy, DeviceFlashTiling<64>, T>(q, k, v, o, s, policy);
    else
      flash_device_launch<Policy, DeviceFlashTiling<128>, T>(q, k, v, o, s, policy);
  }
}

}  // namespace moat::attention
