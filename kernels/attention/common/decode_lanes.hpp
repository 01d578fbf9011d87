#pragma once
// Phase 1 of the decode skeleton for GPU teams whose query rows fit in registers (group * seq_q <=
// kDecodeLanesMaxRows; decode_skeleton.hpp states the contract). Decode does ~2 FLOPs per byte,
// so what bounds it is instructions and bytes in flight per byte, not arithmetic. Here nothing is
// staged: each key row is spread over the 32 lanes of a warp, every lane holding 4 consecutive
// elements per slot (S slots: head_dim up to 128 S) of the R query rows and of the output
// accumulators in registers, and reading its 4 elements of each K and V row straight from global
// memory (one 16-byte load for fp32, 8 bytes for bf16 / fp16). A step takes U keys: U K and U V
// loads per lane in flight at once, U * R partial dots summed over the warp in one reduce-scatter
// and all-gather (kx::warp_sum_all: ~5 instructions per dot where separate butterflies take 10),
// one running-max update per row per step. A team is `groups` key groups (warps); group g
// takes steps g, g + groups, ... of its item, and the groups' (m, l, o) states merge in scratch
// when the item ends. Teams are sized so the device holds ~16 warps per SM: batch-1 decode, with
// fewer teams than SMs, gets 16-warp teams.
//
// The same code runs on host teams of one thread with one lane (which then holds the whole row, up
// to 4 * kMaxSlots elements, and runs every group in turn), which is how CPU tests check the GPU
// path's logic.
#include <cstdint>
#include <stdexcept>

#include "kernels/attention/common/decode_schedule.hpp"
#include "kernels/attention/common/decode_staged.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/packet.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

inline constexpr int kDecodeLanesMinThreads = 128;
inline constexpr int kDecodeLanesMaxThreads = 512;
// Threads per key row: a warp on GPUs (its sums go through kx::warp_sum_all), one on hosts.
inline constexpr int kDecodeLanes = kExecOnHost ? 1 : 32;

// The layout this execution space runs: a warp per key row on GPUs, with key groups per team so
// that the device holds ~16 warps per SM (teams of 128 to 512 threads); one lane on hosts.
inline DecodeLanesLayout decode_lanes_layout(const AttentionShape& s, int teams) {
  int groups = 1;
  if (!kExecOnHost) {
    const std::int64_t want = std::int64_t(ExecSpace().concurrency()) / 2;
    groups = kDecodeLanesMinThreads / kDecodeLanes;
    while ((groups * 2) * kDecodeLanes <= kDecodeLanesMaxThreads &&
           std::int64_t(teams) * groups * kDecodeLanes < want)
      groups *= 2;
  }
  return DecodeLanesLayout::make(s, kDecodeLanes, groups, kCudaLevel0ScratchMax);
}

template <class KV, class Plan, int R, int S>
struct DecodeLanesKernel {
  using T = DecodeValue<KV>;
  using Quad = Lanes<T, 4>;
  // Keys per step: 2-4 KB per warp in flight within 128 registers per thread (wide rows: one key,
  // their queries and accumulators already take 64 registers; 16-bit quads take a register per
  // element, so 8 keys at 4 rows spill).
  static constexpr int U = R * S >= 8 ? 1 : (R == 1 ? 8 : 4) / S;

  View4<const T> q;
  KV kv;
  AttentionShape s;
  bool causal;
  Plan plan;
  DecodeLanesLayout lay;

  // The exclusive key bound of register row r: causal multi-token rows see fewer keys, rows
  // past the group's none. (No division in the common single-token case.)
  KOKKOS_INLINE_FUNCTION int seen(int r, int rows, int begin, int end) const {
    if (r >= rows) return begin;
    if (!causal || s.seq_q == 1) return end;
    return kx::min(end, r % s.seq_q + s.seq_kv - s.seq_q + 1);
  }

  // One step's online-softmax update of every register row: the running max, the rescale (only
  // when the max moved: every lane holds the same scores, so the branch is uniform), the weights,
  // the row sums and P V. kMask: keys at or past a row's bound (seen()) weigh 0. Whole steps of
  // single-token rows need no mask: rows past the group hold zero queries and are never written.
  template <bool kMask>
  KOKKOS_FORCEINLINE_FUNCTION void update(const float (&sc)[U * R], const float (&vf)[U][S][4],
                                          int k0, int rows, int begin, int end, float (&m)[R],
                                          float (&l)[R], float (&o)[R][S][4]) const {
    MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) {
      const int last = kMask ? seen(r, rows, begin, end) : end;
      float m_new = m[r];
      for (int u = 0; u < U; ++u)
        if (!kMask || k0 + u < last) m_new = kx::fast_max(m_new, sc[u * R + r]);
      if (m_new != m[r]) {
        // m = lowest: nothing seen yet (o and l are 0).
        const float alpha = m[r] == kx::lowest_float() ? 0.f : kx::fast_exp(m[r] - m_new);
        m[r] = m_new;
        l[r] *= alpha;
        for (int p = 0; p < S; ++p)
          for (int e = 0; e < 4; ++e) o[r][p][e] *= alpha;
      }
      MOAT_UNROLL_BLOCK for (int u = 0; u < U; ++u) {
        const float w = !kMask || k0 + u < last ? kx::fast_exp(sc[u * R + r] - m_new) : 0.f;
        l[r] += w;
        for (int p = 0; p < S; ++p)
          for (int e = 0; e < 4; ++e) o[r][p][e] += w * vf[u][p][e];
      }
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& member) const {
    const int team = member.league_rank(), tid = member.team_rank(), nt = member.team_size();
    constexpr int L = kDecodeLanes;
    const int G = lay.groups, lane = tid % L;
    const int rows = s.group() * s.seq_q, D = s.head_dim, Dv = s.value_dim;
    const int state = rows * (Dv + 2);         // floats per group: m[rows], l[rows], o[rows][Dv]
    const bool multi = causal && s.seq_q > 1;  // rows see different keys
    float* states = static_cast<float*>(
        member.team_scratch(0).get_shmem_aligned(std::size_t(G) * state * sizeof(float), 16));
    for (int n = plan.team_offsets(team); n < plan.team_offsets(team + 1); ++n) {
      const int b = plan.items(n, 0), hk = plan.items(n, 1), begin = plan.items(n, 2),
                end = plan.items(n, 3), slot = plan.items(n, 4);
      if (begin < end &&
          (!group_aligned<4>(kv.key(b, hk, begin)) || !group_aligned<4>(kv.value(b, hk, begin))))
        Kokkos::abort("decode_lanes: K/V rows do not start at a 4-element boundary");
      // Steps per group, the same for every group: lanes of a warp must run the same shuffles.
      const int steps = ((end - begin + U - 1) / U + G - 1) / G;
      for (int g = tid / L; g < G; g += nt / L) {  // one group per thread on GPUs
        float qr[R][S][4], o[R][S][4], m[R], l[R];
        MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) {
          const int h = hk * s.group() + r / s.seq_q, i = r % s.seq_q;
          MOAT_UNROLL_BLOCK for (int p = 0; p < S; ++p) {
            const int e0 = (p * L + lane) * 4;
            for (int e = 0; e < 4; ++e) {
              qr[r][p][e] = r < rows && e0 < D ? to_float(q(b, h, i, e0 + e)) * s.scale : 0.f;
              o[r][p][e] = 0.f;
            }
          }
          m[r] = kx::lowest_float();
          l[r] = 0.f;
        }
        for (int step = 0; step < steps; ++step) {
          const int k0 = begin + (step * G + g) * U;
          Quad kq[U][S], vq[U][S];
          MOAT_UNROLL_BLOCK for (int u = 0; u < U; ++u) {
            const bool key = k0 + u < end;
            const T* kr = key ? kv.key(b, hk, k0 + u) : nullptr;
            const T* vr = key ? kv.value(b, hk, k0 + u) : nullptr;
            MOAT_UNROLL_BLOCK for (int p = 0; p < S; ++p) {
              const int e0 = (p * L + lane) * 4;
              kq[u][p] = key && e0 < D ? load_group<4>(kr + e0) : Quad{};
              vq[u][p] = key && e0 < Dv ? load_group<4>(vr + e0) : Quad{};
            }
          }
          float sc[U * R];  // score of key u for row r at u * R + r: this lane's part, then all
          MOAT_UNROLL_BLOCK for (int u = 0; u < U; ++u) {
            float kf[S][4];
            for (int p = 0; p < S; ++p)
              for (int e = 0; e < 4; ++e) kf[p][e] = to_float(kq[u][p].v[e]);
            MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) {
              float dot = 0.f;
              for (int p = 0; p < S; ++p)
                for (int e = 0; e < 4; ++e) dot += qr[r][p][e] * kf[p][e];
              sc[u * R + r] = dot;
            }
          }
          if constexpr (L > 1) kx::warp_sum_all(sc);
          float vf[U][S][4];
          for (int u = 0; u < U; ++u)
            for (int p = 0; p < S; ++p)
              for (int e = 0; e < 4; ++e) vf[u][p][e] = to_float(vq[u][p].v[e]);
          if (!multi && k0 + U <= end)
            update<false>(sc, vf, k0, rows, begin, end, m, l, o);
          else
            update<true>(sc, vf, k0, rows, begin, end, m, l, o);
        }
        float* mine = states + g * state;
        MOAT_UNROLL_BLOCK for (int r = 0; r < R; ++r) {
          if (r >= rows) break;
          if (lane == 0) mine[r] = m[r], mine[rows + r] = l[r];
          MOAT_UNROLL_BLOCK for (int p = 0; p < S; ++p) {
            const int e0 = (p * L + lane) * 4;
            if (e0 < Dv)
              for (int e = 0; e < 4; ++e) mine[2 * rows + r * Dv + e0 + e] = o[r][p][e];
          }
        }
      }
      kx::block_barrier(member);  // every group's state is in scratch
      for (int idx = tid; idx < rows * (Dv + 1); idx += nt) {
        const bool sums = idx >= rows * Dv;  // the last `rows` indices merge m and l
        const int r = sums ? idx - rows * Dv : idx / Dv, d = sums ? 0 : idx % Dv;
        float mx = kx::lowest_float();
        for (int gg = 0; gg < G; ++gg) mx = kx::fast_max(mx, states[gg * state + r]);
        float acc = 0.f;
        for (int gg = 0; gg < G; ++gg) {
          const float* st = states + gg * state;
          if (st[r] == kx::lowest_float()) continue;  // the group saw no key of this row
          acc += kx::fast_exp(st[r] - mx) * (sums ? st[rows + r] : st[2 * rows + r * Dv + d]);
        }
        if (sums) {
          plan.part_m(slot, r) = mx;
          plan.part_l(slot, r) = acc;
        } else {
          plan.part_o(slot, r, d) = acc;
        }
      }
      kx::block_barrier(member);  // the states are read before the next item writes them
    }
  }
};

// Runs the lanes kernel for `lay` (lay.lanes > 0) over every team of `plan`: team size
// lay.threads() on GPUs, 1 on host teams (which then run every group in turn).
template <class KV, class Plan>
void run_decode_lanes(const View4<const DecodeValue<KV>>& q, const KV& kv, const AttentionShape& s,
                      bool causal, const Plan& plan, const DecodeLanesLayout& lay) {
  if (lay.lanes != kDecodeLanes)
    throw std::invalid_argument(
        "moat::attention::run_decode_lanes: the layout's lanes per key "
        "row differ from this execution space's");
  const auto launch = [&](auto kernel) {
    Kokkos::TeamPolicy<ExecSpace, Kokkos::LaunchBounds<kDecodeLanesMaxThreads, 1>> tp(
        plan.teams, kExecOnHost ? 1 : lay.threads());
    tp.set_scratch_size(0, Kokkos::PerTeam(lay.bytes));
    Kokkos::parallel_for("moat::attention::decode_lanes", tp, kernel);
  };
  if (lay.rows == 1 && lay.slots == 1)
    launch(DecodeLanesKernel<KV, Plan, 1, 1>{q, kv, s, causal, plan, lay});
  else if (lay.rows == 1)
    launch(DecodeLanesKernel<KV, Plan, 1, 2>{q, kv, s, causal, plan, lay});
  else if (lay.rows == 4 && lay.slots == 1)
    launch(DecodeLanesKernel<KV, Plan, 4, 1>{q, kv, s, causal, plan, lay});
  else if (lay.rows == 4)
    launch(DecodeLanesKernel<KV, Plan, 4, 2>{q, kv, s, causal, plan, lay});
  else
    launch(DecodeLanesKernel<KV, Plan, 8, 1>{q, kv, s, causal, plan, lay});
}

}  // namespace moat::attention
