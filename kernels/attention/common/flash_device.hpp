#pragma once
// The GPU tile path of the flash skeleton (flash.hpp states the Policy contract and the math).
// One team per kQueryTile query rows of one (batch, head); its threads form kThreadsM row groups
// x kThreadsN column groups. Thread (ty, tx) keeps, in registers, the scores of rows
// ty*kRowsPerThread + i at keys tx + kThreadsN*j of the current key tile, and the output
// accumulators of the same rows at value columns tx + kThreadsN*j. Per key tile:
//   1. S = (scale Q) K^T, Q^T and K^T staged kFlashDepthChunk head-dim columns at a time;
//   2. mask and score mod per element; row maxima through a small [row][tx] scratch table;
//   3. P = exp(S - m) written to scratch; accumulators and partial row sums rescaled by alpha;
//   4. O += P V, V staged kFlashValueChunk keys at a time.
// Every thread of a row computes the same running max from the same partials, so only the row
// maxima cross threads per tile; partial row sums are added once at the end. Value columns wider
// than kOutCols run in passes (the scores are recomputed per pass: wide latent values, MLA).
// Strided key and column ownership keeps neighbouring threads on neighbouring scratch banks;
// transposed tiles are padded by one float for the same reason.
//
// The team layout is a template parameter: GPUs use 8 x 8 threads; a one-thread layout runs the
// same code on a host team, which is how CPU tests check the GPU path.
#include "kernels/attention/common/flash_policy.hpp"

namespace moat::attention {

template <int ThreadsM, int ThreadsN, int OutCols>
struct FlashTiling {
  static constexpr int kThreadsM = ThreadsM, kThreadsN = ThreadsN;
  static constexpr int kThreads = ThreadsM * ThreadsN;
  static constexpr int kRowsPerThread = kQueryTile / ThreadsM;
  static constexpr int kKeysPerThread = kKeyTile / ThreadsN;
  static constexpr int kOutCols = OutCols;
  static constexpr int kOutPerThread = OutCols / ThreadsN;
  static_assert(kQueryTile % ThreadsM == 0 && kKeyTile % ThreadsN == 0 && OutCols % ThreadsN == 0,
                "whole per-thread blocks");
};

template <int OutCols>
using DeviceFlashTiling = FlashTiling<8, 8, OutCols>;
template <int OutCols>
using SerialFlashTiling = FlashTiling<1, 1, OutCols>;

inline constexpr int kFlashDepthChunk = 32;  // head_dim columns of Q and K per staging step
inline constexpr int kFlashValueChunk = 16;  // keys of V per staging step

template <class Policy, class Tiling>
struct FlashDevice {
  static constexpr int BQ = kQueryTile, BK = kKeyTile;
  static constexpr int DC = kFlashDepthChunk, VC = kFlashValueChunk;
  static constexpr int TN = Tiling::kThreadsN, kThreads = Tiling::kThreads;
  static constexpr int RM = Tiling::kRowsPerThread, RK = Tiling::kKeysPerThread;
  static constexpr int OC = Tiling::kOutCols, RO = Tiling::kOutPerThread;
  static constexpr int kQStride = BQ + 1;  // Q^T chunk [d][row]
  static constexpr int kKStride = BK + 1;  // K^T chunk [d][key]
  static constexpr int kPStride = BK + 1;  // P [row][key]

  View4<const float> q, k, v;
  View4<float> o;
  AttentionShape s;
  Policy policy;
  int q_tiles;

  static std::size_t scratch_bytes() {
    using S = ScratchView1<float>;
    return S::shmem_size(DC * kQStride) + S::shmem_size(DC * kKStride) +
           S::shmem_size(BQ * kPStride) + S::shmem_size(VC * OC) + S::shmem_size(BQ * TN);
  }

  KOKKOS_INLINE_FUNCTION float value(int b, int hk, int j, int d) const {
    if constexpr (PolicyValuesFromKeys<Policy>)
      return k(b, hk, j, d);
    else
      return v(b, hk, j, d);
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const QueryTile tile(team.league_rank(), q_tiles, s);
    const int b = tile.b, h = tile.h, hk = tile.hk, qt = tile.qt, i0 = tile.i0, rows = tile.rows;
    const int tid = team.team_rank();
    const int ty = tid / TN, tx = tid % TN;
    const int r0 = ty * RM;  // first row of this thread

    ScratchView1<float> qs(team.team_scratch(0), DC * kQStride);
    ScratchView1<float> ks(team.team_scratch(0), DC * kKStride);
    ScratchView1<float> ps(team.team_scratch(0), BQ * kPStride);
    ScratchView1<float> vs(team.team_scratch(0), VC * OC);
    ScratchView1<float> part(team.team_scratch(0), BQ * TN);  // [row][tx] partial max / sum

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
        for (int i = 0; i < RM; ++i)
          for (int j = 0; j < RK; ++j) sc[i][j] = 0.f;
        for (int d0 = 0; d0 < s.head_dim; d0 += DC) {
          team.team_barrier();  // the previous chunk (or tile) has been read
          for (int idx = tid; idx < BQ * DC; idx += kThreads) {
            const int r = idx / DC, dd = idx % DC;
            qs(dd * kQStride + r) =
                r < rows && d0 + dd < s.head_dim ? q(b, h, i0 + r, d0 + dd) * s.scale : 0.f;
          }
          for (int idx = tid; idx < BK * DC; idx += kThreads) {
            const int c = idx / DC, dd = idx % DC;
            ks(dd * kKStride + c) =
                c < cols && d0 + dd < s.head_dim ? k(b, hk, k0 + c, d0 + dd) : 0.f;
          }
          team.team_barrier();
          for (int dd = 0; dd < DC; ++dd) {
            float qa[RM], kb[RK];
            for (int i = 0; i < RM; ++i) qa[i] = qs(dd * kQStride + r0 + i);
            for (int j = 0; j < RK; ++j) kb[j] = ks(dd * kKStride + tx + TN * j);
            for (int i = 0; i < RM; ++i)
              for (int j = 0; j < RK; ++j) sc[i][j] += qa[i] * kb[j];
          }
        }
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
                const int c = tx + TN * j;
                sc[i][j] = c < cols ? masked_score(policy, b, h, row, k0 + c, kb, ke, sc[i][j])
                                    : kx::lowest_float();
              }
              tmax = kx::max(tmax, sc[i][j]);
            }
          } else {
            for (int j = 0; j < RK; ++j) sc[i][j] = kx::lowest_float();
          }
          part(r * TN + tx) = tmax;
        }
        team.team_barrier();
        // 3. Online softmax: the same new max in every thread of a row.
        for (int i = 0; i < RM; ++i) {
          const int r = r0 + i;
          float row_max = m[i];
          for (int t = 0; t < TN; ++t) row_max = kx::max(row_max, part(r * TN + t));
          const float alpha = m[i] == kx::lowest_float() ? 0.f : kx::exp(m[i] - row_max);
          m[i] = row_max;
          lpart[i] *= alpha;
          for (int j = 0; j < RO; ++j) acc[i][j] *= alpha;
          for (int j = 0; j < RK; ++j) {
            const float p = sc[i][j] == kx::lowest_float() ? 0.f : kx::exp(sc[i][j] - row_max);
            lpart[i] += p;
            ps(r * kPStride + tx + TN * j) = p;
          }
        }
        // 4. O += P V.
        for (int kc = 0; kc < cols; kc += VC) {
          team.team_barrier();  // P is complete / the previous V chunk has been read
          for (int idx = tid; idx < VC * OC; idx += kThreads) {
            const int kk = idx / OC, d = idx % OC;
            vs(idx) = kc + kk < cols && d < ocols ? value(b, hk, k0 + kc + kk, dv0 + d) : 0.f;
          }
          team.team_barrier();
          for (int kk = 0; kk < VC; ++kk) {
            float pv[RM], vv[RO];
            for (int i = 0; i < RM; ++i) pv[i] = ps((r0 + i) * kPStride + kc + kk);
            for (int j = 0; j < RO; ++j) vv[j] = vs(kk * OC + tx + TN * j);
            for (int i = 0; i < RM; ++i)
              for (int j = 0; j < RO; ++j) acc[i][j] += pv[i] * vv[j];
          }
        }
      });

      // Row sums: partials of the row's threads, plus the sink's term.
      team.team_barrier();
      for (int i = 0; i < RM; ++i) part((r0 + i) * TN + tx) = lpart[i];
      team.team_barrier();
      for (int i = 0; i < RM; ++i) {
        const int r = r0 + i;
        if (r >= rows) break;
        float l = 0.f;
        for (int t = 0; t < TN; ++t) l += part(r * TN + t);
        if constexpr (PolicyHasSink<Policy>) l += kx::exp(sink - m[i]);
        const float inv_l = l > 0.f ? 1.f / l : 0.f;
        for (int j = 0; j < RO; ++j) {
          const int d = tx + TN * j;
          if (d >= ocols) break;
          float out = acc[i][j] * inv_l;
          if constexpr (PolicyHasFinish<Policy>) out = policy.finish(b, h, i0 + r, dv0 + d, out);
          o(b, h, i0 + r, dv0 + d) = out;
        }
      }
    }
  }
};

template <class Policy, class Tiling>
void flash_device_launch(const View4<const float>& q, const View4<const float>& k,
                         const View4<const float>& v, const View4<float>& o,
                         const AttentionShape& s, const Policy& policy) {
  using Functor = FlashDevice<Policy, Tiling>;
  Functor f{q, k, v, o, s, policy, (s.seq_q + kQueryTile - 1) / kQueryTile};
  TeamPolicy tp(s.batch * s.heads_q * f.q_tiles, Tiling::kThreads);
  tp.set_scratch_size(0, Kokkos::PerTeam(Functor::scratch_bytes()));
  Kokkos::parallel_for("moat::attention::flash_device", tp, f);
}

// The device tile path on the default execution space: 8 x 8 threads on GPUs, one thread on a
// host space. Value columns go 64 or 128 per pass.
template <class Policy>
void flash_forward_device_path(const View4<const float>& q, const View4<const float>& k,
                               const View4<const float>& v, const View4<float>& o,
                               const AttentionShape& s, const Policy& policy) {
  if constexpr (kExecOnHost) {
    if (s.value_dim <= 64)
      flash_device_launch<Policy, SerialFlashTiling<64>>(q, k, v, o, s, policy);
    else
      flash_device_launch<Policy, SerialFlashTiling<128>>(q, k, v, o, s, policy);
  } else {
    if (s.value_dim <= 64)
      flash_device_launch<Policy, DeviceFlashTiling<64>>(q, k, v, o, s, policy);
    else
      flash_device_launch<Policy, DeviceFlashTiling<128>>(q, k, v, o, s, policy);
  }
}

}  // namespace moat::attention
