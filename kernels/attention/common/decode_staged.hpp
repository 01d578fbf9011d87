#pragma once
// Phase 1 of the decode skeleton for GPUs (decode_skeleton.hpp states the contract): the team's
// threads copy each key tile's K and V rows into level-0 scratch together (coalesced, many loads
// in flight: decode is bound by the cache read), then share the tile's work out element by
// element: scores by (row, key), the online-softmax update by row, the output update by
// (row, value column), with the output accumulators in scratch. K rows are padded by one float so
// that threads reading neighbouring keys hit different banks.
//
// Every loop is strided over the team's threads, so the same code is correct for any team size:
// GPUs use 128 threads; the tests run it with one thread on a host team.
#include <type_traits>
#include <utility>

#include "kernels/attention/common/decode_schedule.hpp"
#include "kernels/attention/common/online_softmax.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

// The storage type of a KV accessor's rows (the accessor contract: decode_skeleton.hpp).
template <class KV>
using DecodeValue =
    std::remove_cv_t<std::remove_pointer_t<decltype(std::declval<const KV&>().key(0, 0, 0))>>;

inline constexpr int kDecodeStagedThreads = 128;
// Level-0 scratch one team may take: under kCudaLevel0ScratchMax (40936 bytes).
inline constexpr std::size_t kDecodeStagedScratchBudget = 39 * 1024;

template <class KV, class Plan>
struct DecodeStagedKernel {
  View4<const DecodeValue<KV>> q;
  KV kv;
  AttentionShape s;
  bool causal;
  Plan plan;
  int kt;  // keys per staged tile

  static std::size_t scratch_bytes(const AttentionShape& s, int kt) {
    using S = ScratchView1<float>;
    const int rows = s.group() * s.seq_q;
    return S::shmem_size(std::size_t(rows) * s.head_dim) +      // q rows, pre-scaled
           S::shmem_size(std::size_t(kt) * (s.head_dim + 1)) +  // K tile, padded rows
           S::shmem_size(std::size_t(kt) * s.value_dim) +       // V tile
           S::shmem_size(std::size_t(rows) * kt) +              // scores -> probabilities
           S::shmem_size(std::size_t(rows) * s.value_dim) +     // output accumulators
           3 * S::shmem_size(rows);                             // m, l, alpha
  }
  // The largest key tile (64, 32, 16, 8) that fits the budget; 0 when none does.
  static int key_tile(const AttentionShape& s, std::size_t budget) {
    for (int t = kDecodeKeyTile; t >= 8; t /= 2)
      if (scratch_bytes(s, t) <= budget) return t;
    return 0;
  }

  // Copies n elements (load(idx) -> store(idx, x)), strided over the team, kStageBatch loads per
  // thread in flight before any store: scratch stores may alias global loads as far as the
  // compiler knows, so a load-store loop waits a full memory latency per element (decode ran at
  // 3-18% of HBM bandwidth so).
  static constexpr int kStageBatch = 16;
  template <class Load, class Store>
  KOKKOS_INLINE_FUNCTION static void stage(int tid, int nt, int n, const Load& load,
                                           const Store& store) {
    for (int base = tid; base < n; base += nt * kStageBatch) {
      float x[kStageBatch];
      for (int u = 0; u < kStageBatch; ++u) {
        const int idx = base + u * nt;
        x[u] = idx < n ? load(idx) : 0.f;
      }
      for (int u = 0; u < kStageBatch; ++u) {
        const int idx = base + u * nt;
        if (idx < n) store(idx, x[u]);
      }
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const int rows = s.group() * s.seq_q, w = team.league_rank();
    const int D = s.head_dim, Dv = s.value_dim, KS = D + 1;
    const int tid = team.team_rank(), nt = team.team_size();
    ScratchView1<float> q_s(team.team_scratch(0), rows * D);
    ScratchView1<float> k_s(team.team_scratch(0), kt * KS);
    ScratchView1<float> v_s(team.team_scratch(0), kt * Dv);
    ScratchView1<float> p_s(team.team_scratch(0), rows * kt);
    ScratchView1<float> o_s(team.team_scratch(0), rows * Dv);
    ScratchView1<float> m_s(team.team_scratch(0), rows);
    ScratchView1<float> l_s(team.team_scratch(0), rows);
    ScratchView1<float> a_s(team.team_scratch(0), rows);
    for (int n = plan.team_offsets(w); n < plan.team_offsets(w + 1); ++n) {
      const int b = plan.items(n, 0), hk = plan.items(n, 1), begin = plan.items(n, 2),
                end = plan.items(n, 3), slot = plan.items(n, 4);
      team.team_barrier();  // the previous item is done with the scratch
      for (int idx = tid; idx < rows * D; idx += nt) {
        const int r = idx / D, d = idx % D;
        q_s(idx) = to_float(q(b, hk * s.group() + r / s.seq_q, r % s.seq_q, d)) * s.scale;
      }
      for (int idx = tid; idx < rows * Dv; idx += nt) o_s(idx) = 0.f;
      for (int r = tid; r < rows; r += nt) {
        m_s(r) = kx::lowest_float();
        l_s(r) = 0.f;
      }
      for (int k0 = begin; k0 < end; k0 += kt) {
        const int cols = kx::min(kt, end - k0);
        team.team_barrier();  // the previous tile has been read
        stage(
            tid, nt, cols * D,
            [&](int idx) { return to_float(kv.key(b, hk, k0 + idx / D)[idx % D]); },
            [&](int idx, float x) { k_s(idx / D * KS + idx % D) = x; });
        stage(
            tid, nt, cols * Dv,
            [&](int idx) { return to_float(kv.value(b, hk, k0 + idx / Dv)[idx % Dv]); },
            [&](int idx, float x) { v_s(idx) = x; });
        team.team_barrier();
        for (int idx = tid; idx < rows * kt; idx += nt) {
          const int r = idx / kt, c = idx % kt;
          const int i = r % s.seq_q;
          // Causal multi-token decode: token i sees cache indices <= i + seq_kv - seq_q.
          const int last = causal ? kx::min(end, i + s.seq_kv - s.seq_q + 1) : end;
          float dot = kx::lowest_float();
          if (c < cols && k0 + c < last) {
            dot = 0.f;
            for (int d = 0; d < D; ++d) dot += q_s(r * D + d) * k_s(c * KS + d);
          }
          p_s(idx) = dot;
        }
        team.team_barrier();
        for (int r = tid; r < rows; r += nt) {
          float tile_max = kx::lowest_float();
          for (int c = 0; c < cols; ++c) tile_max = kx::max(tile_max, p_s(r * kt + c));
          OnlineSoftmaxState st{m_s(r), l_s(r)};
          a_s(r) = st.rescale_to(tile_max);
          for (int c = 0; c < cols; ++c) {
            const float x = p_s(r * kt + c);
            const float e = x == kx::lowest_float() ? 0.f : kx::exp(x - st.m);
            p_s(r * kt + c) = e;
            st.l += e;
          }
          m_s(r) = st.m;
          l_s(r) = st.l;
        }
        team.team_barrier();
        for (int idx = tid; idx < rows * Dv; idx += nt) {
          const int r = idx / Dv, d = idx % Dv;
          float acc = o_s(idx) * a_s(r);
          for (int c = 0; c < cols; ++c) acc += p_s(r * kt + c) * v_s(c * Dv + d);
          o_s(idx) = acc;
        }
      }
      team.team_barrier();
      for (int idx = tid; idx < rows * Dv; idx += nt)
        plan.part_o(slot, idx / Dv, idx % Dv) = o_s(idx);
      for (int r = tid; r < rows; r += nt) {
        plan.part_m(slot, r) = m_s(r);
        plan.part_l(slot, r) = l_s(r);
      }
    }
  }
};

}  // namespace moat::attention
