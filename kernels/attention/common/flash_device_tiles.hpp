#pragma once
// What the register-blocked GPU tile paths (flash_device.hpp, normalizer_device.hpp) share: the
// team layout, the level-0 scratch and the pipelined walk over key tiles. A team holds
// kFlashTeamRows query rows. Thread (ty, tx) holds rows r0 + i (r0 = ty * RM, i < RM) of the
// scores and of the output accumulators, at keys / value columns
//   col(j) = 4 TN (j / 4) + 4 tx + j % 4,
// runs of 4 consecutive rows and columns, so that every scratch read of the inner loops is one
// 16-byte load that neighbouring threads take from neighbouring banks (or share):
//   score stage: S[RM][RK] += (scale Q) K^T over Q^T and K^T chunks of kDepthChunk columns;
//   value stage: O[RM][RO] += P V over P^T (key-major) and a V chunk of kValueChunk keys.
// Stages run as a software pipeline (walk()): a thread loads stage n + 1 from global memory into
// registers (16-byte packets, flash_device_stage.hpp) before it computes stage n from one scratch
// buffer and stores stage n + 1 into the other, one team barrier per stage. Q is re-staged per key
// tile: Q of the whole team (64 rows x head_dim) would not fit next to K, V and P.
//
// A one-thread layout (SerialFlashTiling) runs the same code on a host team, which is how CPU
// tests check the GPU paths.
#include "kernels/attention/common/flash_device_stage.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

// One thread's view of a team's register-blocked query tile and the team's level-0 scratch: two
// stage buffers (Q^T and K^T chunks, or a V chunk) and P^T [key][row].
template <class Tiling>
struct RegisterTile {
  static constexpr int BQ = Tiling::kRows, BK = kKeyTile;
  static constexpr int DC = Tiling::kDepthChunk, VC = Tiling::kValueChunk;
  static constexpr int TN = Tiling::kThreadsN, kThreads = Tiling::kThreads;
  static constexpr int RM = Tiling::kRowsPerThread, RK = Tiling::kKeysPerThread;
  static constexpr int OC = Tiling::kOutCols, RO = Tiling::kOutPerThread;
  using Layout = StageLayout<BQ, BK, DC, VC, OC>;
  static constexpr int kPtStride = BQ + 4;  // P^T [key][row]; the pad spreads a warp's stores
  static constexpr int kPOff = 2 * Layout::kFloats;
  static constexpr int kFloats = kPOff + BK * kPtStride;

  // Plus 16 bytes: the block is aligned to 16 in the team's scratch.
  static std::size_t scratch_bytes() { return kFloats * sizeof(float) + 16; }

  const TeamMember& team;
  int tid, tx, r0;  // r0: this thread's first row
  float* sm;        // the team's scratch block, 16-byte aligned

  KOKKOS_INLINE_FUNCTION explicit RegisterTile(const TeamMember& t)
      : team(t),
        tid(t.team_rank()),
        tx(tid % TN),
        r0(tid / TN * RM),
        sm(static_cast<float*>(t.team_scratch(0).get_shmem_aligned(kFloats * sizeof(float), 16))) {}

  // Key column of this thread's j-th score / value column of its j-th accumulator.
  KOKKOS_INLINE_FUNCTION int col(int j) const { return j / 4 * 4 * TN + 4 * tx + j % 4; }
  KOKKOS_INLINE_FUNCTION float* stage(int buf) const { return sm + buf * Layout::kFloats; }

  // A team barrier (a team is one whole block on GPUs: kx::block_barrier).
  KOKKOS_INLINE_FUNCTION void barrier() const { kx::block_barrier(team); }

  // The maximum / sum of x over the TN threads of this thread's row (neighbouring lanes).
  KOKKOS_INLINE_FUNCTION float row_max(float x) const { return kx::lanes_max(x, TN); }
  KOKKOS_INLINE_FUNCTION float row_sum(float x) const { return kx::lanes_sum(x, TN); }

  // sc += (scale Q) K^T over one staged depth chunk.
  KOKKOS_FORCEINLINE_FUNCTION void score_stage(const float* st, float (&sc)[RM][RK]) const {
    const float* qt = st + Layout::kQtOff + r0;
    const float* kt = st + Layout::kKtOff + 4 * tx;
    MOAT_UNROLL_BLOCK for (int dd = 0; dd < DC; ++dd) {
      float a[RM], bk[RK];
      for (int i = 0; i < RM; i += 4) load4(qt + dd * Layout::kQtStride + i, a + i);
      for (int j = 0; j < RK; j += 4) load4(kt + dd * Layout::kKtStride + j * TN, bk + j);
      for (int i = 0; i < RM; ++i)
        for (int j = 0; j < RK; ++j) sc[i][j] += a[i] * bk[j];
    }
  }

  // acc += P V over keys [kc, kc + VC) of the tile: P^T from scratch, V staged.
  KOKKOS_FORCEINLINE_FUNCTION void value_stage(const float* st, int kc,
                                               float (&acc)[RM][RO]) const {
    const float* pt = sm + kPOff + kc * kPtStride + r0;
    const float* vs = st + 4 * tx;
    MOAT_UNROLL_BLOCK for (int kk = 0; kk < VC; ++kk) {
      float p[RM], v[RO];
      for (int i = 0; i < RM; i += 4) load4(pt + kk * kPtStride + i, p + i);
      for (int j = 0; j < RO; j += 4) load4(vs + kk * OC + j * TN, v + j);
      for (int i = 0; i < RM; ++i)
        for (int j = 0; j < RO; ++j) acc[i][j] += p[i] * v[j];
    }
  }

  // P^T = w^T: this thread's weights (zero for masked keys and rows past the tile).
  KOKKOS_FORCEINLINE_FUNCTION void store_weights(const float (&w)[RM][RK]) const {
    for (int j = 0; j < RK; ++j)
      for (int i = 0; i < RM; i += 4)
        store4(sm + kPOff + col(j) * kPtStride + r0 + i, w[i][j], w[i + 1][j], w[i + 2][j],
               w[i + 3][j]);
  }

  // The pipelined walk over the key tiles of `tiles` (next(after): the key tile after `after`,
  // -1 at the end). Per tile: the score stages, then on_scores(k0, cols, sc) with the complete
  // scores of keys [k0, k0 + cols) (keys past cols score 0), which writes the weights
  // (store_weights) and may rescale acc; then, kValues, the value stages into acc. Starts with a
  // barrier (scratch read before the walk may be overwritten).
  template <bool kValues, class T, class Tiles, class OnScores>
  KOKKOS_FORCEINLINE_FUNCTION void walk(const StageSource<Tiling, T>& src, Tiles& tiles,
                                        float (&acc)[RM][RO], const OnScores& on_scores) const {
    int tile = tiles.next(-1);
    if (tile < 0) return;
    const int nd = src.depth_stages();
    Packet<T> pre[StageSource<Tiling, T>::kPrefetch];
    src.load(tile * BK, 0, pre);
    barrier();
    src.store(0, pre, stage(0));
    barrier();
    int buf = 0;
    while (tile >= 0) {
      const int k0 = tile * BK, cols = src.cols(k0);
      const int steps = nd + (kValues ? (cols + VC - 1) / VC : 0);
      const int next_tile = tiles.next(tile);
      // The stage after `step`: this tile's next, or the next tile's first (tile -1: none).
      const auto after = [&](int step, int& t, int& st) {
        t = step + 1 < steps ? tile : next_tile;
        st = step + 1 < steps ? step + 1 : 0;
      };
      // Loads the stage after `step` into registers (one call site: one set of addresses);
      // false at the end of the walk.
      const auto prefetch = [&](int step) {
        int t, st;
        after(step, t, st);
        if (t < 0) return false;
        src.load(t * BK, st, pre);
        return true;
      };
      // Stores what prefetch(step) loaded into the other buffer, and meets the team.
      const auto commit = [&](int step, bool more) {
        int t, st;
        after(step, t, st);
        if (more) src.store(st, pre, stage(buf ^ 1));
        barrier();  // stage n + 1 (and the weights) are complete; stage n has been read
        buf ^= 1;
      };
      // Score stages: sc is live within them only (not across the value stages).
      float sc[RM][RK];
      for (int i = 0; i < RM; ++i)
        for (int j = 0; j < RK; ++j) sc[i][j] = 0.f;
      for (int step = 0; step < nd - 1; ++step) {
        const bool more = prefetch(step);
        score_stage(stage(buf), sc);
        commit(step, more);
      }
      // The last one: on_scores' temporaries and the registers of a prefetch in flight would
      // not fit together, so its prefetch comes after on_scores (covered by the other teams).
      score_stage(stage(buf), sc);
      on_scores(k0, cols, sc);
      commit(nd - 1, prefetch(nd - 1));
      if constexpr (kValues) {
        for (int step = nd; step < steps; ++step) {
          const bool more = prefetch(step);
          value_stage(stage(buf), (step - nd) * VC, acc);
          commit(step, more);
        }
      }
      tile = next_tile;
    }
  }
};

}  // namespace moat::attention
