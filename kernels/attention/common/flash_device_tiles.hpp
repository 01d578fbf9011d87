#pragma once
// What the register-blocked GPU tile paths (flash_device.hpp, normalizer_device.hpp) share: the
// team layout, the level-0 scratch, and the two matrix steps around the per-score work of a key
// tile. Thread (ty, tx) holds rows ty*RM + i of the query tile at keys tx + TN*j (scores) and
// value columns tx + TN*j (output accumulators), all in registers:
//   scores():     S[RM][RK] = (scale Q) K^T, Q^T and K^T staged kFlashDepthChunk columns at a time;
//   accumulate(): O[RM][RO] += P V from the P tile in scratch, V staged kFlashValueChunk keys at a
//                 time.
// Strided key and column ownership keeps neighbouring threads on neighbouring scratch banks;
// transposed tiles are padded by one float for the same reason. A one-thread layout runs the same
// code on a host team, which is how CPU tests check the GPU paths.
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/views.hpp"

// Loops over a thread's register block with large bodies (exp, log, policy hooks, stores): GPU
// compilers may leave them rolled, which moves the whole block to local memory. Device-only:
// host compilers warn on unknown pragmas.
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
#define MOAT_UNROLL_BLOCK _Pragma("unroll")
#else
#define MOAT_UNROLL_BLOCK
#endif

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

// The query rows a team holds. Contiguous (prefill): rows [i0, i0 + rows) of query head h0.
// Packed (decode-shaped: few query tokens, several query heads per KV head): tile row r is
// p = i0 + r of KV head hk's group, p = g * seq_q + i for query head hk * group + g and token i,
// so every head of a group shares one pass over the K/V tiles.
struct TileRows {
  int b, hk, h0, i0, rows, seq_q, group;
  bool packed;
  KOKKOS_INLINE_FUNCTION int head(int r) const {
    return packed ? hk * group + (i0 + r) / seq_q : h0;
  }
  KOKKOS_INLINE_FUNCTION int query(int r) const { return packed ? (i0 + r) % seq_q : i0 + r; }
};

// One thread's view of a team's register-blocked query tile, and the team's level-0 scratch:
// Q^T and K^T chunks, the P tile [row][key], a V chunk and a [row][tx] table through which the
// threads of a row exchange partial row maxima or sums.
template <class Tiling>
struct RegisterTile {
  static constexpr int BQ = kQueryTile, BK = kKeyTile;
  static constexpr int DC = kFlashDepthChunk, VC = kFlashValueChunk;
  static constexpr int TN = Tiling::kThreadsN, kThreads = Tiling::kThreads;
  static constexpr int RM = Tiling::kRowsPerThread, RK = Tiling::kKeysPerThread;
  static constexpr int OC = Tiling::kOutCols, RO = Tiling::kOutPerThread;
  static constexpr int kQStride = BQ + 1;  // Q^T chunk [d][row]
  static constexpr int kKStride = BK + 1;  // K^T chunk [d][key]
  static constexpr int kPStride = BK + 1;  // P [row][key]

  // One level-0 block, addressed by compile-time offsets: a raw pointer per team keeps the
  // register count down (five views cost ~15 registers, and the 128-column tile is near 255).
  static constexpr int kQOff = 0;
  static constexpr int kKOff = kQOff + DC * kQStride;
  static constexpr int kPOff = kKOff + DC * kKStride;
  static constexpr int kVOff = kPOff + BQ * kPStride;
  static constexpr int kPartOff = kVOff + VC * OC;
  static constexpr int kFloats = kPartOff + BQ * TN;

  static std::size_t scratch_bytes() { return ScratchView1<float>::shmem_size(kFloats); }

  const TeamMember& team;
  int tid, tx, r0;  // r0: this thread's first row
  float* sm;        // the team's scratch block

  KOKKOS_INLINE_FUNCTION explicit RegisterTile(const TeamMember& t)
      : team(t),
        tid(t.team_rank()),
        tx(tid % TN),
        r0(tid / TN * RM),
        sm(ScratchView1<float>(t.team_scratch(0), kFloats).data()) {}

  KOKKOS_INLINE_FUNCTION float& qs(int x) const { return sm[kQOff + x]; }
  KOKKOS_INLINE_FUNCTION float& ks(int x) const { return sm[kKOff + x]; }
  KOKKOS_INLINE_FUNCTION float& vs(int x) const { return sm[kVOff + x]; }

  // Key column of this thread's j-th score / value column of its j-th accumulator.
  KOKKOS_INLINE_FUNCTION int col(int j) const { return tx + TN * j; }
  KOKKOS_INLINE_FUNCTION float& p(int r, int c) const { return sm[kPOff + r * kPStride + c]; }
  KOKKOS_INLINE_FUNCTION float& partial(int r, int t) const { return sm[kPartOff + r * TN + t]; }

  // sc = (scale Q) K^T of the team's rows against keys [k0, k0 + cols) of its KV head; rows and
  // keys past the tile hold zeros. Starts with a barrier: scratch read by the previous step may
  // be overwritten. Q and K may be stored as float, bf16 or fp16 (storage.hpp): staged as fp32.
  template <class T>
  KOKKOS_FORCEINLINE_FUNCTION void scores(const View4<const T>& q, const View4<const T>& k,
                                          const AttentionShape& s, const TileRows& tr, int k0,
                                          int cols, float (&sc)[RM][RK]) const {
    const int b = tr.b, hk = tr.hk, rows = tr.rows;
    for (int i = 0; i < RM; ++i)
      for (int j = 0; j < RK; ++j) sc[i][j] = 0.f;
    for (int d0 = 0; d0 < s.head_dim; d0 += DC) {
      team.team_barrier();  // the previous chunk (or tile) has been read
      for (int idx = tid; idx < BQ * DC; idx += kThreads) {
        const int r = idx / DC, dd = idx % DC;
        qs(dd * kQStride + r) = r < rows && d0 + dd < s.head_dim
                                    ? to_float(q(b, tr.head(r), tr.query(r), d0 + dd)) * s.scale
                                    : 0.f;
      }
      for (int idx = tid; idx < BK * DC; idx += kThreads) {
        const int c = idx / DC, dd = idx % DC;
        ks(dd * kKStride + c) =
            c < cols && d0 + dd < s.head_dim ? to_float(k(b, hk, k0 + c, d0 + dd)) : 0.f;
      }
      team.team_barrier();
      for (int dd = 0; dd < DC; ++dd) {
        float qa[RM], kb[RK];
        for (int i = 0; i < RM; ++i) qa[i] = qs(dd * kQStride + r0 + i);
        for (int j = 0; j < RK; ++j) kb[j] = ks(dd * kKStride + col(j));
        for (int i = 0; i < RM; ++i)
          for (int j = 0; j < RK; ++j) sc[i][j] += qa[i] * kb[j];
      }
    }
  }

  // acc += P V over keys [k0, k0 + cols) of KV head hk, value columns [dv0, dv0 + ocols) of
  // `values`; P (every row, keys [0, cols)) is in scratch, written by all threads of the team.
  template <class T>
  KOKKOS_FORCEINLINE_FUNCTION void accumulate(const View4<const T>& values, int b, int hk, int k0,
                                              int cols, int dv0, int ocols,
                                              float (&acc)[RM][RO]) const {
    for (int kc = 0; kc < cols; kc += VC) {
      team.team_barrier();  // P is complete / the previous V chunk has been read
      for (int idx = tid; idx < VC * OC; idx += kThreads) {
        const int kk = idx / OC, d = idx % OC;
        vs(idx) =
            kc + kk < cols && d < ocols ? to_float(values(b, hk, k0 + kc + kk, dv0 + d)) : 0.f;
      }
      team.team_barrier();
      for (int kk = 0; kk < VC; ++kk) {
        float pv[RM], vv[RO];
        for (int i = 0; i < RM; ++i) pv[i] = p(r0 + i, kc + kk);
        for (int j = 0; j < RO; ++j) vv[j] = vs(kk * OC + col(j));
        for (int i = 0; i < RM; ++i)
          for (int j = 0; j < RO; ++j) acc[i][j] += pv[i] * vv[j];
      }
    }
  }
};

}  // namespace moat::attention
