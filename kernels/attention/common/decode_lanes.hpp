#pragma once
// Phase 1 of the decode skeleton for GPU teams that hold query rows in registers
// (decode_skeleton.hpp states the contract). Decode does ~2 FLOPs per byte,
// so what bounds it is instructions and bytes in flight per byte, not arithmetic. Here nothing is
// staged: each key row is spread over the lanes of a run (a warp; a half-warp for 16-bit rows of
// up to 4 register rows and one slot), every lane holding E consecutive elements per slot (E = 4,
// one 16-byte fp32 or 8-byte 16-bit load; 8 for those 16-bit rows, one 16-byte load; S slots:
// head_dim up to 128 S) of the R query rows and of the output accumulators in registers, and
// reading its elements of each K and V row straight from global memory (16-bit elements stay two
// to a register until used: lane_words.hpp). A step takes U keys per run: U K and U V loads per
// lane in flight at once, U * R partial dots summed over the run in one reduce-scatter and
// all-gather (~5 instructions per dot where separate butterflies take 10), one running-max update
// per row per step. The two runs of a half-warp layout keep separate (m, l, o) states over
// alternate keys and merge them when the item ends, so a warp moves two 16-bit keys at the cost of
// one fp32 key in registers and instructions: the reductions and the softmax of a step serve both
// runs' keys at once. A team is `groups` key groups (warps); group g takes steps g, g + groups, ...
// of its item, and the groups' states merge in scratch when the item ends. Teams are sized so the
// device holds ~16 warps per SM: batch-1 decode, with fewer teams than SMs, gets 16-warp teams.
// Groups of more query rows than registers hold (GQA 16, multi-token steps, 8 rows of two slots)
// run as row blocks: league rank t * blocks + k runs rows [k * block_rows, ...) of schedule team
// t, so the blocks of one item run side by side and all but the first read its K/V rows from L2.
// Teams of 8 register rows of one slot (GQA 8, the blocks of GQA 16) run key lanes instead: a
// warp-wide dot per (key, row) costs a share of ~5 reduction and ~7 softmax instructions per lane
// beside its 8 multiply-adds, and one key per warp and step left too few bytes in flight (GQA 8 at
// 36-57% of HBM bandwidth on an H100). There each lane scores its own kDecodeKeyLanesKeys keys of
// a step against the 8 query rows held in scratch (one broadcast scratch read per 16-byte K piece
// and row serves both keys: no reduction), takes the row max over the warp, and writes the weights
// to its group's scratch slot, from which P V reads them back for every key (broadcast) while each
// lane owns E columns of every row, as before.
//
// The same code runs on host teams of one thread with one lane (which then holds the whole row, up
// to E * kMaxSlots elements, and runs every group in turn), which is how CPU tests check the GPU
// path's logic.
#include <cstdint>
#include <stdexcept>

#include "kernels/attention/common/decode_schedule.hpp"
#include "kernels/attention/common/decode_staged.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/lane_words.hpp"
#include "kernels/common/packet.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

inline constexpr int kDecodeLanesMinThreads = 128;
inline constexpr int kDecodeLanesMaxThreads = 512;
// Threads of a warp: 32 on GPUs (sums go through warp shuffles), one on hosts.
inline constexpr int kDecodeLanes = kExecOnHost ? 1 : 32;

// The layout this execution space runs for storage type T: a warp per key row (two 16-bit rows)
// on GPUs, with key groups per team so that the device holds ~16 warps per SM (teams of 128 to
// 512 threads); one lane on hosts.
template <class T>
DecodeLanesLayout decode_lanes_layout(const AttentionShape& s, int teams) {
  const auto make = [&](int groups) {
    return DecodeLanesLayout::make(s, kDecodeLanes, groups, kCudaLevel0ScratchMax, int(sizeof(T)));
  };
  const DecodeLanesLayout one = make(1);
  if (kExecOnHost || one.lanes == 0) return one;
  const std::int64_t want = std::int64_t(ExecSpace().concurrency()) / 2,
                     launched = std::int64_t(teams) * one.row_blocks;
  int groups = kDecodeLanesMinThreads / kDecodeLanes;
  while ((groups * 2) * kDecodeLanes <= kDecodeLanesMaxThreads &&
         launched * groups * kDecodeLanes < want)
    groups *= 2;
  return make(groups);
}

// kBlocked: the launch has row blocks (lay.row_blocks > 1). Unblocked instantiations keep the
// block's rows compile-time free (r0 = 0, every row of the group): these kernels sit at the
// 128-register bound, where a runtime block offset changed ptxas' schedule (6-13% slower 16-bit
// GQA decode on an H100).
template <class KV, class Plan, int R, int S, int E, bool kBlocked = false>
struct DecodeLanesKernel {
  using T = DecodeValue<KV>;
  using Vec = LaneLoad<T, E>;
  static constexpr int L = kDecodeLanes;
  static constexpr int Lr = L == 1 ? 1 : L * 4 / E;  // lanes per key row (a run)
  static constexpr int P = L / Lr;                   // runs per warp: keys it takes at once
  static_assert(E == 4 || (E == 8 && sizeof(T) == 2), "4 elements, or 8 of 16-bit rows");
  // Key lanes (DecodeLanesLayout::key_lanes): KP keys per lane and step, K loaded in KE-element
  // pieces (16 bytes on GPUs), KB pieces (16 elements) per key in flight at once: ptxas hoists
  // every row's query reads of a batch, so more would spill past 128 registers.
  static constexpr bool kKeyLanes = DecodeLanesLayout::key_lanes_at(R, S);
  static_assert(!kKeyLanes || E == 4, "key lanes own 4 value columns a lane");
  static constexpr int KP = kDecodeKeyLanesKeys, KT = KP * L;
  static constexpr int KE = DecodeLanesLayout::key_piece(L, int(sizeof(T))), KB = 16 / KE;
  static constexpr int KU = KT < 8 ? KT : 8;  // V rows in flight at once in P V
  static constexpr int kKeyAlign = kKeyLanes ? KE : E;  // K elements a row must start aligned to
  using KeyPiece = LaneLoad<T, KE>;
  // Keys per run and step: ~4 KB per warp in flight within 128 registers per thread (spills
  // beyond). fp32: 8 keys of one row, 4 of 4 rows, 1 when rows x slots take 64 registers of
  // queries and accumulators. 16-bit rows in 4-element slots take half the load registers, so
  // twice the keys; in 8-element slots twice the queries and accumulators, so half (4 rows: 2
  // keys per run, 4 per warp; 4 spill).
  static constexpr int kFp32Keys = R * S >= 8 ? 1 : (R == 1 ? 8 : 4) / S;
  static constexpr int U = sizeof(T) == 4 ? kFp32Keys
                           : E == 8       ? kFp32Keys / 2
                           : R * S >= 8   ? 1
                                          : (2 * kFp32Keys > 8 ? 8 : 2 * kFp32Keys);

  View4<const T> q;
  KV kv;
  AttentionShape s;
  bool causal;
  Plan plan;
  DecodeLanesLayout lay;

  // The exclusive key bound of register row r of the block starting at group row r0 (`rows`
  // rows live): causal multi-token rows see fewer keys. (No division in the common single-token
  // case.) Rows past the group see none; rows past a block compute on zero queries and are never
  // written, whatever they see.
  KOKKOS_INLINE_FUNCTION int seen(int r, int r0, int rows, int begin, int end) const {
    if (!kBlocked && r >= rows) return begin;
    if (!causal || s.seq_q == 1) return end;
    return kx::min(end, (r0 + r) % s.seq_q + s.seq_kv - s.seq_q + 1);
  }

  // One step's online-softmax update of every register row over this run's keys kb + u P: the
  // running max, the rescale (only when the max moved: every lane of a run holds the same scores,
  // so the branch is uniform within it), the weights, the row sums and P V. kMask: keys at or past
  // a row's bound (seen()) weigh 0. Whole steps of single-token rows need no mask.
  template <bool kMask>
  KOKKOS_FORCEINLINE_FUNCTION void update(const float (&sc)[U * R], const Vec (&vq)[U][S], int kb,
                                          int r0, int rows, int begin, int end, float (&m)[R],
                                          float (&l)[R], float (&o)[R][S][E]) const {
    float w[U][R];  // 16-bit rows: the weights, for P V after every row's update
    MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) {
      const int last = kMask ? seen(r, r0, rows, begin, end) : end;
      float m_new = m[r];
      for (int u = 0; u < U; ++u)
        if (!kMask || kb + u * P < last) m_new = kx::fast_max(m_new, sc[u * R + r]);
      if (m_new != m[r]) {
        // m = lowest: nothing seen yet (o and l are 0).
        const float alpha = m[r] == kx::lowest_float() ? 0.f : kx::fast_exp(m[r] - m_new);
        m[r] = m_new;
        l[r] *= alpha;
        for (int p = 0; p < S; ++p)
          for (int e = 0; e < E; ++e) o[r][p][e] *= alpha;
      }
      MOAT_UNROLL_BLOCK for (int u = 0; u < U; ++u) {
        const float wt = !kMask || kb + u * P < last ? kx::fast_exp(sc[u * R + r] - m_new) : 0.f;
        l[r] += wt;
        if constexpr (sizeof(T) == 4) {  // fp32 V needs no conversion: P V right here
          for (int p = 0; p < S; ++p)
            for (int e = 0; e < E; ++e) o[r][p][e] += wt * vq[u][p].v[e];
        } else {
          w[u][r] = wt;
        }
      }
    }
    // 16-bit V rows converted once each, then added into every register row.
    if constexpr (sizeof(T) != 4) {
      MOAT_UNROLL_BLOCK for (int u = 0; u < U; ++u) {
        float vf[S][E];
        for (int p = 0; p < S; ++p)
          for (int e = 0; e < E; ++e) vf[p][e] = lane_elem(vq[u][p], e);
        MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) for (int p = 0; p < S; ++p) for (int e = 0;
                                                                                       e < E; ++e)
            o[r][p][e] += w[u][r] * vf[p][e];
      }
    }
  }

  // The two runs of a warp (P = 2) hold states over alternate keys: both end with the merged one.
  KOKKOS_FORCEINLINE_FUNCTION void merge_runs(float (&m)[R], float (&l)[R],
                                              float (&o)[R][S][E]) const {
    if constexpr (P > 1) {
      MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) {
        const float mo = kx::lane_xor(m[r], Lr), mt = kx::fast_max(m[r], mo);
        const float a = m[r] == kx::lowest_float() ? 0.f : kx::fast_exp(m[r] - mt);
        const float b = mo == kx::lowest_float() ? 0.f : kx::fast_exp(mo - mt);
        m[r] = mt;
        l[r] = a * l[r] + b * kx::lane_xor(l[r], Lr);
        for (int p = 0; p < S; ++p)
          for (int e = 0; e < E; ++e)
            o[r][p][e] = a * o[r][p][e] + b * kx::lane_xor(o[r][p][e], Lr);
      }
    }
  }

  // Key lanes: group g's pass over keys [begin, end) of head (b, hk) for the block's rows
  // [r0, r0 + B) (queries pre-scaled in q_s, [R][head_dim]), leaving its (m, l, o) state in its
  // scratch slot `mine`, which holds a step's weights [key][row] until then.
  KOKKOS_INLINE_FUNCTION void keys_group(int b, int hk, int begin, int end, int g, int G, int lane,
                                         int r0, int B, const float* q_s, float* mine) const {
    const int D = s.head_dim, Dv = s.value_dim, e0 = lane * E;
    const bool multi = causal && s.seq_q > 1;
    float o[R][E], m[R], l[R];  // l: this lane's keys' share until the pass ends
    MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) {
      for (int e = 0; e < E; ++e) o[r][e] = 0.f;
      m[r] = kx::lowest_float();
      l[r] = 0.f;
    }
    const int steps = ((end - begin + KT - 1) / KT + G - 1) / G;
    for (int step = 0; step < steps; ++step) {
      const int k0 = begin + (step * G + g) * KT;  // the step's keys: k0 + j L + lane for j < KP
      if (k0 >= end) break;                        // the same for every lane of the warp
      const bool full = k0 + KT <= end;
      // Scores of this lane's keys for every row: KB pieces of each key in flight at once.
      float sc[KP][R];
      const T* kr[KP];
      MOAT_UNROLL_BLOCK for (int j = 0; j < KP; ++j) {
        const int key = k0 + j * L + lane;
        kr[j] = full || key < end ? kv.key(b, hk, key) : nullptr;
        for (int r = 0; r < R; ++r) sc[j][r] = 0.f;
      }
      MOAT_ROLLED for (int d0 = 0; d0 < D; d0 += KB * KE) {
        KeyPiece kq[KP][KB];
        MOAT_UNROLL_BLOCK for (int j = 0; j < KP; ++j)
            MOAT_UNROLL_BLOCK for (int c = 0; c < KB; ++c) {
          const int d = d0 + c * KE;
          kq[j][c] = kr[j] && d < D ? load_lane<KE>(kr[j] + d) : KeyPiece{};
        }
        MOAT_UNROLL_BLOCK for (int c = 0; c < KB; ++c) {
          const int d = d0 + c * KE;
          if (d >= D) break;
          float kf[KP][KE];
          for (int j = 0; j < KP; ++j)
            for (int e = 0; e < KE; ++e) kf[j][e] = lane_elem(kq[j][c], e);
          MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r)
              MOAT_UNROLL_BLOCK for (int e4 = 0; e4 < KE; e4 += 4) {
            const Lanes<float, 4> qv = load_group<4>(q_s + r * D + d + e4);  // broadcast
            for (int j = 0; j < KP; ++j)
              for (int e = 0; e < 4; ++e) sc[j][r] += qv.v[e] * kf[j][e4 + e];
          }
        }
      }
      // Online softmax per row: the max over the warp's keys, this lane's weights into sc.
      MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) {
        const int last = full && !multi ? end : seen(r, r0, B, begin, end);
        float mx = kx::lowest_float();
        for (int j = 0; j < KP; ++j)
          if (k0 + j * L + lane < last) mx = kx::fast_max(mx, sc[j][r]);
        const float m_new = kx::fast_max(m[r], kx::lanes_max(mx, L));
        if (m_new != m[r]) {  // uniform over the warp
          const float alpha = m[r] == kx::lowest_float() ? 0.f : kx::fast_exp(m[r] - m_new);
          m[r] = m_new;
          l[r] *= alpha;
          for (int e = 0; e < E; ++e) o[r][e] *= alpha;
        }
        for (int j = 0; j < KP; ++j) {
          const float w = k0 + j * L + lane < last ? kx::fast_exp(sc[j][r] - m_new) : 0.f;
          l[r] += w;
          sc[j][r] = w;
        }
      }
      MOAT_UNROLL_BLOCK for (int j = 0; j < KP; ++j)
          MOAT_UNROLL_BLOCK for (int r = 0; r < R; r += 4) {
        store_group<4>(mine + (j * L + lane) * R + r,
                       Lanes<float, 4>{{sc[j][r], sc[j][r + 1], sc[j][r + 2], sc[j][r + 3]}});
      }
      kx::warp_sync();  // every lane's weights are in the slot
      // P V: key t's weights (broadcast reads) times this lane's columns of its V row, KU keys' V
      // loads in flight at once.
      const int keys = full ? KT : end - k0;
      MOAT_ROLLED for (int t0 = 0; t0 < keys; t0 += KU) {
        Vec vq[KU];
        MOAT_UNROLL_BLOCK for (int u = 0; u < KU; ++u) {
          const int t = t0 + u;
          vq[u] =
              (full || t < keys) && e0 < Dv ? load_lane<E>(kv.value(b, hk, k0 + t) + e0) : Vec{};
        }
        MOAT_UNROLL_BLOCK for (int u = 0; u < KU; ++u) {
          float vf[E], w[R];
          for (int e = 0; e < E; ++e) vf[e] = lane_elem(vq[u], e);
          MOAT_UNROLL_BLOCK for (int r = 0; r < R; r += 4) {
            const Lanes<float, 4> w4 = load_group<4>(mine + (t0 + u) * R + r);
            for (int i = 0; i < 4; ++i) w[r + i] = w4.v[i];
          }
          MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) for (int e = 0; e < E; ++e) o[r][e] +=
              w[r] * vf[e];
        }
      }
      kx::warp_sync();  // the weights are read before the next step (or the state) overwrites them
    }
    MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) {
      if (r >= B) break;
      const float lr = kx::lanes_sum(l[r], L);
      if (lane == 0) mine[r] = m[r], mine[B + r] = lr;
      if (e0 < Dv)
        for (int e = 0; e < E; ++e) mine[2 * B + r * Dv + e0 + e] = o[r][e];
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& member) const {
    const int team = kBlocked ? member.league_rank() / lay.row_blocks : member.league_rank(),
              tid = member.team_rank(), nt = member.team_size();
    const int G = lay.groups, lane = tid % L, run = lane / Lr, col = lane % Lr;
    // The block's rows: [r0, r0 + B) of the group's, those past it masked (the last block's).
    // Scratch and merges span B rows (a launch constant, so no register holds it across steps);
    // only rows of the group are written.
    const int B = kBlocked ? lay.block_rows : s.group() * s.seq_q,
              r0 = kBlocked ? member.league_rank() % lay.row_blocks * B : 0;
    const int D = s.head_dim, Dv = s.value_dim;
    const int state = B * (Dv + 2);            // floats per group: m[B], l[B], o[B][Dv]
    const int stride = kKeyLanes ? lay.group_floats : state;  // between groups' slots
    const bool multi = causal && s.seq_q > 1;                 // rows see different keys
    float* states = static_cast<float*>(member.team_scratch(0).get_shmem_aligned(
        (std::size_t(G) * stride + (kKeyLanes ? R * D : 0)) * sizeof(float), 16));
    float* q_s = states + std::size_t(G) * stride;  // key lanes: the block's query rows
    for (int n = plan.team_offsets(team); n < plan.team_offsets(team + 1); ++n) {
      const int b = plan.items(n, 0), hk = plan.items(n, 1), begin = plan.items(n, 2),
                end = plan.items(n, 3), slot = plan.items(n, 4);
      if (begin < end && (!group_aligned<kKeyAlign>(kv.key(b, hk, begin)) ||
                          !group_aligned<E>(kv.value(b, hk, begin))))
        Kokkos::abort("decode_lanes: K/V rows do not start at a whole slot");
      if constexpr (kKeyLanes) {
        for (int idx = tid; idx < R * D; idx += nt) {  // pre-scaled; rows past the block zero
          const int r = idx / D, h = hk * s.group() + (r0 + r) / s.seq_q, i = (r0 + r) % s.seq_q;
          q_s[idx] = r < B && (!kBlocked || r0 + r < s.group() * s.seq_q)
                         ? to_float(q(b, h, i, idx % D)) * s.scale
                         : 0.f;
        }
        kx::block_barrier(member);  // the query rows are in scratch
        for (int g = tid / L; g < G; g += nt / L)
          keys_group(b, hk, begin, end, g, G, lane, r0, B, q_s, states + g * stride);
      } else {
        // Steps per group, the same for every group: lanes of a warp must run the same shuffles.
        const int steps = ((end - begin + U * P - 1) / (U * P) + G - 1) / G;
        for (int g = tid / L; g < G; g += nt / L) {  // one group per thread on GPUs
          float qr[R][S][E], o[R][S][E], m[R], l[R];
          MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) {
            const int h = hk * s.group() + (r0 + r) / s.seq_q, i = (r0 + r) % s.seq_q;
            MOAT_UNROLL_BLOCK for (int p = 0; p < S; ++p) {
              const int e0 = (p * Lr + col) * E;
              for (int e = 0; e < E; ++e) {
                qr[r][p][e] = r < B && (!kBlocked || r0 + r < s.group() * s.seq_q) && e0 < D
                                  ? to_float(q(b, h, i, e0 + e)) * s.scale
                                  : 0.f;
                o[r][p][e] = 0.f;
              }
            }
            m[r] = kx::lowest_float();
            l[r] = 0.f;
          }
          for (int step = 0; step < steps; ++step) {
            const int k0 = begin + (step * G + g) * U * P, kb = k0 + run;  // this run's first key
            Vec kq[U][S], vq[U][S];
            MOAT_UNROLL_BLOCK for (int u = 0; u < U; ++u) {
              const bool key = kb + u * P < end;
              const T* kr = key ? kv.key(b, hk, kb + u * P) : nullptr;
              const T* vr = key ? kv.value(b, hk, kb + u * P) : nullptr;
              MOAT_UNROLL_BLOCK for (int p = 0; p < S; ++p) {
                const int e0 = (p * Lr + col) * E;
                kq[u][p] = key && e0 < D ? load_lane<E>(kr + e0) : Vec{};
                vq[u][p] = key && e0 < Dv ? load_lane<E>(vr + e0) : Vec{};
              }
            }
            float sc[U *
                     R];  // score of key u for row r at u * R + r: this lane's part, then the run's
            MOAT_UNROLL_BLOCK for (int u = 0; u < U; ++u) {
              float kf[S][E];
              for (int p = 0; p < S; ++p)
                for (int e = 0; e < E; ++e) kf[p][e] = lane_elem(kq[u][p], e);
              MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) {
                float dot = 0.f;
                for (int p = 0; p < S; ++p)
                  for (int e = 0; e < E; ++e) dot += qr[r][p][e] * kf[p][e];
                sc[u * R + r] = dot;
              }
            }
            kx::warp_sum_all<U * R, Lr>(sc);  // over the run's lanes
            if (!multi && k0 + U * P <= end)
              update<false>(sc, vq, kb, r0, B, begin, end, m, l, o);
            else
              update<true>(sc, vq, kb, r0, B, begin, end, m, l, o);
          }
          merge_runs(m, l, o);
          float* mine = states + g * stride;
          MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) {
            if (r >= B) break;
            if (lane == 0) mine[r] = m[r], mine[B + r] = l[r];
            MOAT_UNROLL_BLOCK for (int p = 0; p < S; ++p) {
              const int e0 = (p * Lr + col) * E;
              if (run == 0 && e0 < Dv)
                for (int e = 0; e < E; ++e) mine[2 * B + r * Dv + e0 + e] = o[r][p][e];
            }
          }
        }
      }
      kx::block_barrier(member);  // every group's state is in scratch
      for (int idx = tid; idx < B * (Dv + 1); idx += nt) {
        const bool sums = idx >= B * Dv;  // the last B indices merge m and l
        const int r = sums ? idx - B * Dv : idx / Dv, d = sums ? 0 : idx % Dv;
        if (kBlocked && r0 + r >= s.group() * s.seq_q) continue;  // past the group (last block)
        float mx = kx::lowest_float();
        for (int gg = 0; gg < G; ++gg) mx = kx::fast_max(mx, states[gg * stride + r]);
        float acc = 0.f;
        for (int gg = 0; gg < G; ++gg) {
          const float* st = states + gg * stride;
          if (st[r] == kx::lowest_float()) continue;  // the group saw no key of this row
          acc += kx::fast_exp(st[r] - mx) * (sums ? st[B + r] : st[2 * B + r * Dv + d]);
        }
        if (sums) {
          plan.part_m(slot, r0 + r) = mx;
          plan.part_l(slot, r0 + r) = acc;
        } else {
          plan.part_o(slot, r0 + r, d) = acc;
        }
      }
      kx::block_barrier(member);  // the states are read before the next item writes them
    }
  }
};

// Runs the lanes kernel for `lay` (lay.lanes > 0) over every team of `plan`, times its row
// blocks: team size lay.threads() on GPUs, 1 on host teams (which then run every group in turn).
template <class KV, class Plan>
void run_decode_lanes(const View4<const DecodeValue<KV>>& q, const KV& kv, const AttentionShape& s,
                      bool causal, const Plan& plan, const DecodeLanesLayout& lay) {
  if (lay.lanes != kDecodeLanes)
    throw std::invalid_argument(
        "moat::attention::run_decode_lanes: the layout's lanes per key "
        "row differ from this execution space's");
  const auto launch = [&](auto kernel) {
    BoundedTeamPolicy<kDecodeLanesMaxThreads, 1> tp(plan.teams * lay.row_blocks,
                                                    kExecOnHost ? 1 : lay.threads());
    tp.set_scratch_size(0, Kokkos::PerTeam(lay.bytes));
    Kokkos::parallel_for("moat::attention::decode_lanes", tp, kernel);
  };
  // Row blocks hold 8 rows of one 4-element slot or 4 rows of two (DecodeLanesLayout::make).
  if (lay.row_blocks > 1) {
    if (lay.width == 4 && lay.rows == 8 && lay.slots == 1)
      launch(DecodeLanesKernel<KV, Plan, 8, 1, 4, true>{q, kv, s, causal, plan, lay});
    else if (lay.width == 4 && lay.rows == 4 && lay.slots == 2)
      launch(DecodeLanesKernel<KV, Plan, 4, 2, 4, true>{q, kv, s, causal, plan, lay});
    else
      throw std::invalid_argument(
          "moat::attention::run_decode_lanes: row blocks of other than 8 rows of one slot or 4 "
          "of two");
    return;
  }
  // 8-element slots: 16-bit rows of one register row, or of four in one slot
  // (DecodeLanesLayout::make).
  constexpr bool kWide = sizeof(DecodeValue<KV>) == 2;
  if (lay.width == 8 && !kWide)
    throw std::invalid_argument("moat::attention::run_decode_lanes: 8-element slots of fp32 rows");
  if constexpr (kWide) {
    if (lay.width == 8) {
      if (lay.rows == 4)
        launch(DecodeLanesKernel<KV, Plan, 4, 1, 8>{q, kv, s, causal, plan, lay});
      else if (lay.slots == 1)
        launch(DecodeLanesKernel<KV, Plan, 1, 1, 8>{q, kv, s, causal, plan, lay});
      else
        launch(DecodeLanesKernel<KV, Plan, 1, 2, 8>{q, kv, s, causal, plan, lay});
      return;
    }
  }
  if (lay.rows == 1 && lay.slots == 1)
    launch(DecodeLanesKernel<KV, Plan, 1, 1, 4>{q, kv, s, causal, plan, lay});
  else if (lay.rows == 1)
    launch(DecodeLanesKernel<KV, Plan, 1, 2, 4>{q, kv, s, causal, plan, lay});
  else if (lay.rows == 4 && lay.slots == 1)
    launch(DecodeLanesKernel<KV, Plan, 4, 1, 4>{q, kv, s, causal, plan, lay});
  else if (lay.rows == 4)
    launch(DecodeLanesKernel<KV, Plan, 4, 2, 4>{q, kv, s, causal, plan, lay});
  else
    launch(DecodeLanesKernel<KV, Plan, 8, 1, 4>{q, kv, s, causal, plan, lay});
}

}  // namespace moat::attention
