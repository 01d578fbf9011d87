#pragma once
// The decode skeleton shared by split-KV, stream-K, paged and KV-eviction decode variants:
//   phase 1: a team per schedule team runs its items (decode_schedule.hpp); for each item every
//            query row of the KV head's group walks the item's keys in kDecodeKeyTile steps with
//            online softmax and leaves an unnormalized partial (o, m, l) in the item's slot;
//   phase 2: every query row merges its head's slots with merge_states (online_softmax.hpp) and
//            normalizes.
// Rows of a group: r = g * seq_q + i for query head hk * group + g and query token i, so one
// item's K/V rows serve all of them. On hosts, one thread per row, no staging: K/V rows are
// re-read from cache by the group's rows (what decode_cost charges as on-chip traffic); GPUs stage
// each key tile in team scratch for the whole team (decode_staged.hpp).
//
// A KV accessor maps cache index j of KV head (b, hk) to its rows (head_dim / value_dim elements
// of a storage type T: float, bf16, fp16; queries and outputs use the same T, math is fp32):
//   struct KV {
//     KOKKOS_INLINE_FUNCTION const T* key(int b, int hk, int j) const;
//     KOKKOS_INLINE_FUNCTION const T* value(int b, int hk, int j) const;
//   };
// `causal` (multi-token decode) hides cache index j > i + seq_kv - seq_q from query token i: it
// assumes index = position, true of contiguous and paged caches. Eviction caches run seq_q = 1.
#include <string>

#include "kernels/attention/common/decode_lanes.hpp"
#include "kernels/attention/common/decode_schedule.hpp"
#include "kernels/attention/common/decode_staged.hpp"
#include "kernels/attention/common/online_softmax.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

// A cache laid out like K/V of shape.hpp: index j is row j of head (b, hk).
template <class T>
struct ContiguousKVOf {
  View4<const T> k, v;
  KOKKOS_INLINE_FUNCTION const T* key(int b, int hk, int j) const { return &k(b, hk, j, 0); }
  KOKKOS_INLINE_FUNCTION const T* value(int b, int hk, int j) const { return &v(b, hk, j, 0); }
};
using ContiguousKV = ContiguousKVOf<float>;

// A schedule on the device, plus the partial states it produces.
struct DecodePlan {
  Kokkos::View<int* [5], Kokkos::LayoutRight, MemSpace> items;  // b, hk, begin, end, slot
  View1<int> team_offsets, slot_offsets;
  int teams = 0;
  View3<float> part_o;          // [slot][row][value_dim], unnormalized
  View2<float> part_m, part_l;  // [slot][row]

  DecodePlan() = default;  // no splits (the flash path's unsplit launches)

  DecodePlan(const DecodeSchedule& s, const AttentionShape& shape)
      : items(std::string("decode_items"), s.items.size()),
        team_offsets(std::string("decode_team_offsets"), s.team_offsets.size()),
        slot_offsets(std::string("decode_slot_offsets"), s.slot_offsets.size()),
        teams(s.teams()),
        part_o(std::string("decode_part_o"), s.slots(), shape.group() * shape.seq_q,
               shape.value_dim),
        part_m(std::string("decode_part_m"), s.slots(), shape.group() * shape.seq_q),
        part_l(std::string("decode_part_l"), s.slots(), shape.group() * shape.seq_q) {
    auto h = Kokkos::create_mirror_view(items);
    for (std::size_t n = 0; n < s.items.size(); ++n) {
      const auto& it = s.items[n];
      h(n, 0) = it.b, h(n, 1) = it.hk, h(n, 2) = it.begin, h(n, 3) = it.end, h(n, 4) = it.slot;
    }
    Kokkos::deep_copy(items, h);
    upload(team_offsets, s.team_offsets);
    upload(slot_offsets, s.slot_offsets);
  }
};

template <class KV>
struct DecodePartialsKernel {
  View4<const DecodeValue<KV>> q;
  KV kv;
  AttentionShape s;
  bool causal;
  DecodePlan plan;

  KOKKOS_INLINE_FUNCTION static int scratch_level() { return kExecOnHost ? 0 : 1; }
  static std::size_t scratch_bytes(const AttentionShape& s) {
    const int rows = s.group() * s.seq_q;
    return ScratchView2<float>::shmem_size(rows, s.head_dim) +     // q rows, pre-scaled
           ScratchView2<float>::shmem_size(rows, kDecodeKeyTile);  // scores of one key tile
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const int rows = s.group() * s.seq_q, w = team.league_rank();
    ScratchView2<float> q_s(team.team_scratch(scratch_level()), rows, s.head_dim);
    ScratchView2<float> p_s(team.team_scratch(scratch_level()), rows, kDecodeKeyTile);
    for (int n = plan.team_offsets(w); n < plan.team_offsets(w + 1); ++n) {
      const int b = plan.items(n, 0), hk = plan.items(n, 1), begin = plan.items(n, 2),
                end = plan.items(n, 3), slot = plan.items(n, 4);
      team.team_barrier();  // the previous item's rows are done with the scratch
      Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](int r) {
        const int h = hk * s.group() + r / s.seq_q, i = r % s.seq_q;
        for (int d = 0; d < s.head_dim; ++d) q_s(r, d) = to_float(q(b, h, i, d)) * s.scale;
        const int last = causal ? kx::min(end, i + s.seq_kv - s.seq_q + 1) : end;  // exclusive
        float* __restrict__ o = &plan.part_o(slot, r, 0);
        float* __restrict__ p = &p_s(r, 0);
        for (int d = 0; d < s.value_dim; ++d) o[d] = 0.f;
        OnlineSoftmaxState st{kx::lowest_float(), 0.f};
        for (int k0 = begin; k0 < last; k0 += kDecodeKeyTile) {
          const int cols = kx::min(kDecodeKeyTile, last - k0);
          float tile_max = kx::lowest_float();
          for (int c = 0; c < cols; ++c) {
            const auto* __restrict__ kr = kv.key(b, hk, k0 + c);
            float dot = 0.f;
            for (int d = 0; d < s.head_dim; ++d) dot += q_s(r, d) * to_float(kr[d]);
            p[c] = dot;
            tile_max = kx::max(tile_max, dot);
          }
          const float alpha = st.rescale_to(tile_max);
          for (int d = 0; d < s.value_dim; ++d) o[d] *= alpha;
          for (int c = 0; c < cols; ++c) {
            const float e = kx::exp(p[c] - st.m);
            st.l += e;
            const auto* __restrict__ vr = kv.value(b, hk, k0 + c);
            for (int d = 0; d < s.value_dim; ++d) o[d] += e * to_float(vr[d]);
          }
        }
        plan.part_m(slot, r) = st.m;
        plan.part_l(slot, r) = st.l;
      });
    }
  }
};

// Phase 2: o[b][h][i] = merge of the head's partials, normalized (zeros when no key was seen),
// rounded to the storage type once. One thread per output element: a row's slots are few and
// cached, and a thread per row (32 rows at batch 1) left the merge latency-bound at ~1 ms.
template <class T>
void merge_decode_partials(const DecodePlan& plan, const AttentionShape& s, const View4<T>& o) {
  const int heads_q = s.heads_q, seq_q = s.seq_q, group = s.group(), dv = s.value_dim;
  const int heads_kv = s.heads_kv;
  auto slot_offsets = plan.slot_offsets;
  auto pm = plan.part_m, pl = plan.part_l;
  auto po = plan.part_o;
  Kokkos::parallel_for(
      "moat::attention::decode_merge", RangePolicy(0, s.rows() * dv),
      KOKKOS_LAMBDA(std::int64_t idx) {
        const int d = int(idx % dv), row = int(idx / dv);
        const int i = row % seq_q, h = row / seq_q % heads_q, b = row / seq_q / heads_q;
        const int hk = h / group, r = (h % group) * seq_q + i;
        const int first = slot_offsets(b * heads_kv + hk),
                  last = slot_offsets(b * heads_kv + hk + 1);
        float m = kx::lowest_float();
        for (int slot = first; slot < last; ++slot) m = kx::max(m, pm(slot, r));
        float l = 0.f, acc = 0.f;  // fp32 sums of the slots rescaled to the final max
        for (int slot = first; slot < last; ++slot) {
          if (pm(slot, r) == kx::lowest_float()) continue;  // saw no key
          const float w = kx::exp(pm(slot, r) - m);
          l += w * pl(slot, r);
          acc += w * po(slot, r, d);
        }
        o(b, h, i, d) = store_as<T>(l > 0.f ? acc / l : 0.f);
      });
}

// Both phases: o = softmax attention of q over the cache `kv`, as the plan decomposes it.
// Phase 1 on devices (or wherever kStaged is set: the tests run it on the host): the lanes kernel
// (decode_lanes.hpp) when rows are at most two slots wide and the group's query rows fit in its
// row blocks, else the staged kernel (decode_staged.hpp); the per-row kernel above on hosts or
// when the staged tiles do not fit in level-0 scratch (very wide heads of many rows).
template <class KV, bool kStaged = !kExecOnHost, class T = DecodeValue<KV>>
void decode_attention(const View4<const T>& q, const KV& kv, const View4<T>& o,
                      const AttentionShape& s, bool causal, const DecodePlan& plan) {
  if (kStaged) {
    const DecodeLanesLayout lanes = decode_lanes_layout<T>(s, plan.teams);
    if (lanes.lanes > 0) {
      run_decode_lanes(q, kv, s, causal, plan, lanes);
      merge_decode_partials(plan, s, o);
      return;
    }
  }
  using Staged = DecodeStagedKernel<KV, DecodePlan>;
  const int threads = kExecOnHost ? 1 : kDecodeStagedThreads;
  const DecodeStagedLayout lay =
      kStaged ? Staged::layout(s, threads, kDecodeStagedScratchBudget) : DecodeStagedLayout{};
  if (lay.kt > 0) {
    // Four teams per SM: 128 registers per thread, which the tiles need without spilling.
    BoundedTeamPolicy<kDecodeStagedThreads, 4> tp(plan.teams, threads);
    tp.set_scratch_size(0, Kokkos::PerTeam(lay.bytes));
    Kokkos::parallel_for("moat::attention::decode_staged", tp, Staged{q, kv, s, causal, plan, lay});
  } else {
    DecodePartialsKernel<KV> f{q, kv, s, causal, plan};
    TeamPolicy tp(plan.teams, kExecOnHost ? 1 : 32);
    tp.set_scratch_size(DecodePartialsKernel<KV>::scratch_level(),
                        Kokkos::PerTeam(DecodePartialsKernel<KV>::scratch_bytes(s)));
    Kokkos::parallel_for("moat::attention::decode_partials", tp, f);
  }
  merge_decode_partials(plan, s, o);
}

}  // namespace moat::attention
