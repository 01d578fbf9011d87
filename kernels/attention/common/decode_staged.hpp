#pragma once
// Phase 1 of the decode skeleton for GPUs (decode_skeleton.hpp states the contract). Decode reads
// every K/V row once and does ~2 FLOPs per byte: it is bound by how many bytes each SM keeps in
// flight (~10 KB on an H100) and by the per-byte instruction count, so:
//   - K/V tiles move as 16-byte packets (4 floats, 8 bf16 / fp16), kept in their storage type in
//     level-0 scratch (a bf16 tile holds twice the keys);
//   - the next tile's first kPrefetch packets per thread are loaded into registers before the
//     current tile is computed, so a team's loads overlap its own compute even when one team
//     runs per SM (batch 1 decode has fewer teams than SMs);
//   - three compute steps per tile, each spread over the whole team with packet reads of scratch:
//       A. scores S[r][c] = q_r . k_c, one (row, key) per thread;
//       B. the row's new running max m' (each thread reduces its row of S: broadcast reads) and
//          P[r][c] = exp(S[r][c] - m'); alpha = exp(m - m') per row;
//       C. O[r][cols] = alpha O + P V for one (row, packet of value columns) per thread, which
//          also keeps the row sum l.
// The running max is double-buffered by tile parity, so step B reads the old and writes the new
// without another barrier. Output accumulators stay in scratch between tiles (any group size).
//
// Every loop is strided over the team's threads, so the same code is correct for any team size:
// GPUs use 128 threads; the tests run it with one thread on a host team. Rows must be whole
// packets (head_dim and value_dim multiples of 16 / sizeof(T)); other shapes use the per-row
// kernel. A KV accessor's rows must start 16-byte aligned, true of rows inside a Kokkos
// allocation of that row length.
#include <type_traits>
#include <utility>

#include "kernels/attention/common/decode_schedule.hpp"
#include "kernels/attention/common/online_softmax.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/packet.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

// The storage type of a KV accessor's rows (the accessor contract: decode_skeleton.hpp).
template <class KV>
using DecodeValue =
    std::remove_cv_t<std::remove_pointer_t<decltype(std::declval<const KV&>().key(0, 0, 0))>>;

inline constexpr int kDecodeStagedThreads = 128;
// Level-0 scratch one team may take (views.hpp).
inline constexpr std::size_t kDecodeStagedScratchBudget = kCudaLevel0ScratchMax;

// How a team of nt threads shares a tile's work, and the byte offsets of its scratch block (fp32
// sections first, each a whole number of packets, then the K tile with rows padded by one packet
// so that neighbouring keys' packets fall on different banks, then the V tile, in storage type T).
// Small groups leave too few (row, key) and (row, value packet) pairs for the team, so:
//   score_parts: each score is summed from this many head_dim slices (S planes, added in step B);
//   value_slices: each output packet is accumulated over this many interleaved key subsets (O
//                 planes, added when the item's partial state is written).
struct DecodeStagedLayout {
  int kt = 0, log_kt = 0;  // keys per staged tile (a power of two; 0: the tile does not fit)
  int score_parts = 1, value_slices = 1, log_slices = 0;
  int q = 0, score = 0, prob = 0, o = 0, m = 0, alpha = 0, l = 0, k = 0, v = 0, bytes = 0;
  int k_stride = 0;  // elements of T between K rows
  // Requested on top of the block: Kokkos aligns it to 16 bytes within the team's scratch.
  static constexpr int kAlignSlack = 16;

  DecodeStagedLayout() = default;
  DecodeStagedLayout(int rows, int head_dim, int value_dim, int keys, int elem_bytes, int nt) {
    const int lanes = 16 / elem_bytes, k_packets = head_dim / lanes;
    kt = keys;
    while ((1 << log_kt) < kt) ++log_kt;
    while (score_parts < 4 && 2 * score_parts * rows * kt <= nt &&
           k_packets % (2 * score_parts) == 0)
      score_parts *= 2;
    while (value_slices < 8 && 2 * value_slices * rows * (value_dim / lanes) <= nt &&
           2 * value_slices <= kt)
      value_slices *= 2, ++log_slices;
    const auto floats = [](int n) { return (n + 3) / 4 * 16; };  // bytes, 16-byte multiples
    k_stride = head_dim + lanes;
    q = 0;                                            // q rows, pre-scaled
    score = q + floats(rows * head_dim);              // score planes of the tile
    prob = score + floats(score_parts * rows * kt);   // probabilities of the tile
    o = prob + floats(rows * kt);                     // output accumulator planes
    m = o + floats(value_slices * rows * value_dim);  // running max, two parities
    alpha = m + floats(2 * rows);                     // this tile's rescale per row
    l = alpha + floats(rows);                         // running row sums, per plane
    k = l + floats(value_slices * rows);              // K tile
    v = k + kt * k_stride * elem_bytes;               // V tile
    bytes = v + kt * value_dim * elem_bytes + kAlignSlack;
  }
};

// A team's threads laid over a [rows][packets per row] array: thread (tr, tc) takes column tc
// (cpt columns tc + tcols j when rows are wider than the team) of every trows-th row from tr.
// Index arithmetic per packet is then adds and multiplies: integer division costs ~20
// instructions, as many as the packet's arithmetic.
struct PacketGrid {
  int tcols, trows, cpt, tr, tc;
  KOKKOS_INLINE_FUNCTION PacketGrid(int per_row, int tid, int nt)
      : tcols(kx::min(nt, per_row)),
        trows(nt / tcols),
        cpt((per_row + tcols - 1) / tcols),
        tr(tid / tcols < trows ? tid / tcols : 1 << 28),  // threads past the grid take none
        tc(tid % tcols) {}
  // Packets this thread owns in the first `rows` rows (some may have column >= per_row).
  KOKKOS_INLINE_FUNCTION int count(int rows) const {
    return tr < rows ? (rows - tr + trows - 1) / trows * cpt : 0;
  }
  KOKKOS_INLINE_FUNCTION void at(int u, int& row, int& col) const {
    const int i = cpt == 1 ? u : u / cpt;
    row = tr + trows * i;
    col = tc + tcols * (u - i * cpt);
  }
};

template <class KV, class Plan>
struct DecodeStagedKernel {
  using T = DecodeValue<KV>;
  static constexpr int W = Packet<T>::kLanes;  // elements per packet
  // Packets per thread loaded ahead of a tile (256 bytes: 64 registers): a whole fp32 or bf16
  // tile of 32 keys at head_dim 128 with 128 threads.
  static constexpr int kPrefetch = 64 / W;

  View4<const T> q;
  KV kv;
  AttentionShape s;
  bool causal;
  Plan plan;
  DecodeStagedLayout lay;

  // The largest key tile (64, 32, 16, 8) whose scratch fits the budget for a team of nt threads;
  // kt = 0 when none does or rows are not whole packets.
  static DecodeStagedLayout layout(const AttentionShape& s, int nt, std::size_t budget) {
    if (s.head_dim % W != 0 || s.value_dim % W != 0) return {};
    for (int t = kDecodeKeyTile; t >= 8; t /= 2) {
      const DecodeStagedLayout lay(s.group() * s.seq_q, s.head_dim, s.value_dim, t, int(sizeof(T)),
                                   nt);
      if (std::size_t(lay.bytes) <= budget) return lay;
    }
    return {};
  }

  // One thread's view of the team: its scratch block and its places in the three packet grids.
  struct Team {
    int tid, nt;
    char* base;
    PacketGrid kg, vg;  // K tile; V tile and output accumulators (both rows of value packets)
    KOKKOS_INLINE_FUNCTION float* f(int off) const { return reinterpret_cast<float*>(base + off); }
    KOKKOS_INLINE_FUNCTION T* t(int off) const { return reinterpret_cast<T*>(base + off); }
  };

  // The thread's packets of a tile of `cols` keys: its K packets, then its V packets. Calls
  // f(u, key, row, col) for packets [u0, u0 + kPrefetch) of that list that exist (key: a K row).
  template <class F>
  KOKKOS_FORCEINLINE_FUNCTION void for_chunk(const Team& tm, int cols, int u0, const F& f) const {
    const int nk = tm.kg.count(cols), nv = tm.vg.count(cols);
    const int dp = s.head_dim / W, vp = s.value_dim / W;
    MOAT_UNROLL_BLOCK for (int u = 0; u < kPrefetch; ++u) {
      int row, col;
      if (u0 + u < nk) {
        tm.kg.at(u0 + u, row, col);
        if (row < cols && col < dp) f(u, true, row, col);
      } else if (u0 + u < nk + nv) {
        tm.vg.at(u0 + u - nk, row, col);
        if (row < cols && col < vp) f(u, false, row, col);
      }
    }
  }
  // Loads packets [u0, u0 + kPrefetch) of the tile at k0 into pre / stores them to scratch.
  KOKKOS_INLINE_FUNCTION void load_chunk(const Team& tm, Packet<T> (&pre)[kPrefetch], int b, int hk,
                                         int k0, int cols, int u0) const {
    for_chunk(tm, cols, u0, [&](int u, bool key, int row, int col) {
      pre[u] = load_packet((key ? kv.key(b, hk, k0 + row) : kv.value(b, hk, k0 + row)) + col * W);
    });
  }
  KOKKOS_INLINE_FUNCTION void store_chunk(const Team& tm, const Packet<T> (&pre)[kPrefetch],
                                          int cols, int u0) const {
    T* ks = tm.t(lay.k);
    T* vs = tm.t(lay.v);
    for_chunk(tm, cols, u0, [&](int u, bool key, int row, int col) {
      store_packet(key ? ks + row * lay.k_stride + col * W : vs + row * s.value_dim + col * W,
                   pre[u]);
    });
  }

  // A: S[p][r][c] for every (plane, row, key) of the tile: plane p sums head_dim packets
  // [p dp / P, (p + 1) dp / P). Masked and missing keys: the lowest float in plane 0, 0 in others.
  KOKKOS_INLINE_FUNCTION void scores(const Team& tm, int rows, int k0, int cols, int end) const {
    const int D = s.head_dim, kt = lay.kt, plane = rows << lay.log_kt;
    const int span = D / lay.score_parts;  // elements of one plane's slice
    const float* qs = tm.f(lay.q);
    float* ss = tm.f(lay.score);
    const T* ks = tm.t(lay.k);
    for (int idx = tm.tid; idx < lay.score_parts * plane; idx += tm.nt) {
      const int p = lay.score_parts == 1 ? 0 : idx / plane, rc = idx - p * plane;
      const int r = rc >> lay.log_kt, c = rc & (kt - 1);
      const int i = s.seq_q == 1 ? 0 : r % s.seq_q;
      // Causal multi-token decode: token i sees cache indices <= i + seq_kv - seq_q.
      const int last = causal ? kx::min(end, i + s.seq_kv - s.seq_q + 1) : end;
      float dot = p == 0 ? kx::lowest_float() : 0.f;
      if (c < cols && k0 + c < last) {
        const float* qr = qs + r * D + p * span;
        const T* kr = ks + c * lay.k_stride + p * span;
        float part[4] = {0.f, 0.f, 0.f, 0.f};  // four chains: FMA latency, not issue, bounds one
        for (int d = 0; d < span; d += W) {
          const Packet<T> kk = load_packet(kr + d);
          MOAT_UNROLL_BLOCK for (int w = 0; w < W; w += 4) {
            const Packet<float> qq = load_packet(qr + d + w);
            for (int x = 0; x < 4; ++x) part[x] += qq.v[x] * to_float(kk.v[w + x]);
          }
        }
        dot = (part[0] + part[1]) + (part[2] + part[3]);
      }
      ss[idx] = dot;
    }
  }

  // B: P[r][c] = exp(S[r][c] - m') with S the sum of the planes and m' = max(m, max_c S[r][c]);
  // alpha and m' per row.
  KOKKOS_INLINE_FUNCTION void probabilities(const Team& tm, int rows, int par) const {
    const int kt = lay.kt, plane = rows << lay.log_kt;
    const float* ss = tm.f(lay.score);
    float* ps = tm.f(lay.prob);
    float* ms = tm.f(lay.m);
    float* as = tm.f(lay.alpha);
    for (int idx = tm.tid; idx < plane; idx += tm.nt) {
      const int r = idx >> lay.log_kt, c = idx & (kt - 1);
      const float* sr = ss + (r << lay.log_kt);
      float tile_max = kx::lowest_float();
      for (int c4 = 0; c4 < kt; c4 += 4) {  // kt is a multiple of 8
        Packet<float> x = load_packet(sr + c4);
        for (int p = 1; p < lay.score_parts; ++p) {
          const Packet<float> y = load_packet(sr + p * plane + c4);
          for (int e = 0; e < 4; ++e) x.v[e] += y.v[e];
        }
        tile_max = kx::max(tile_max, kx::max(kx::max(x.v[0], x.v[1]), kx::max(x.v[2], x.v[3])));
      }
      float x = sr[c];
      for (int p = 1; p < lay.score_parts; ++p) x += sr[p * plane + c];
      const float m_old = ms[par * rows + r];
      const float m_new = kx::max(m_old, tile_max);
      ps[idx] = x == kx::lowest_float() ? 0.f : kx::exp(x - m_new);
      if (c == 0) {
        ms[(1 - par) * rows + r] = m_new;
        as[r] = m_old == kx::lowest_float() ? 0.f : kx::exp(m_old - m_new);
      }
    }
  }

  // C: plane v of O[r][g W, g W + W) = alpha O + P V over keys c = v, v + V, ... of the tile;
  // plane v of l = alpha l + the sum of those P.
  KOKKOS_INLINE_FUNCTION void accumulate(const Team& tm, int rows, int cols) const {
    const int Dv = s.value_dim, groups = Dv / W, slices = lay.value_slices;
    const float* ps = tm.f(lay.prob);
    const float* as = tm.f(lay.alpha);
    float* os = tm.f(lay.o);
    float* ls = tm.f(lay.l);
    const T* vs = tm.t(lay.v);
    const int units = tm.vg.count(rows * slices);
    for (int u = 0; u < units; ++u) {
      int vr, g;  // virtual row vr = r * slices + v
      tm.vg.at(u, vr, g);
      if (vr >= rows * slices || g >= groups) continue;
      const int r = vr >> lay.log_slices, v = vr & (slices - 1);
      float* orow = os + (v * rows + r) * Dv + g * W;
      const float alpha = as[r];
      float acc[W];
      MOAT_UNROLL_BLOCK for (int w = 0; w < W; w += 4) {
        const Packet<float> o4 = load_packet(orow + w);
        for (int x = 0; x < 4; ++x) acc[w + x] = o4.v[x] * alpha;
      }
      float sum = 0.f;
      const float* pr = ps + (r << lay.log_kt);
      const T* vc = vs + g * W;
      for (int c = v; c < cols; c += slices) {
        const float pc = pr[c];
        const Packet<T> vv = load_packet(vc + c * Dv);
        for (int w = 0; w < W; ++w) acc[w] += pc * to_float(vv.v[w]);
        sum += pc;
      }
      MOAT_UNROLL_BLOCK for (int w = 0; w < W; w += 4) {
        Packet<float> o4;
        for (int x = 0; x < 4; ++x) o4.v[x] = acc[w + x];
        store_packet(orow + w, o4);
      }
      if (g == 0) ls[v * rows + r] = ls[v * rows + r] * alpha + sum;
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& member) const {
    const int rows = s.group() * s.seq_q, team = member.league_rank();
    const int tid = member.team_rank(), nt = member.team_size(), kt = lay.kt;
    const Team tm{tid, nt,
                  static_cast<char*>(member.team_scratch(0).get_shmem_aligned(
                      lay.bytes - DecodeStagedLayout::kAlignSlack, 16)),
                  PacketGrid(s.head_dim / W, tid, nt), PacketGrid(s.value_dim / W, tid, nt)};
    const int D = s.head_dim, Dv = s.value_dim, slices = lay.value_slices;
    float* qs = tm.f(lay.q);
    float* os = tm.f(lay.o);
    float* ms = tm.f(lay.m);
    float* ls = tm.f(lay.l);
    Packet<T> pre[kPrefetch];
    for (int n = plan.team_offsets(team); n < plan.team_offsets(team + 1); ++n) {
      const int b = plan.items(n, 0), hk = plan.items(n, 1), begin = plan.items(n, 2),
                end = plan.items(n, 3), slot = plan.items(n, 4);
      if (begin < end) {
        if (!packet_aligned(kv.key(b, hk, begin)) || !packet_aligned(kv.value(b, hk, begin)))
          Kokkos::abort("decode_staged: K/V rows are not 16-byte aligned");
        load_chunk(tm, pre, b, hk, begin, kx::min(kt, end - begin), 0);
      }
      member.team_barrier();  // the previous item is done with the scratch
      for (int idx = tid; idx < rows * D; idx += nt) {
        const int r = idx / D, d = idx % D;
        qs[idx] = to_float(q(b, hk * s.group() + r / s.seq_q, r % s.seq_q, d)) * s.scale;
      }
      for (int idx = tid; idx < slices * rows * Dv; idx += nt) os[idx] = 0.f;
      for (int r = tid; r < slices * rows; r += nt) ls[r] = 0.f;
      for (int r = tid; r < rows; r += nt) ms[r] = kx::lowest_float();
      int par = 0;
      for (int k0 = begin; k0 < end; k0 += kt, par ^= 1) {
        const int cols = kx::min(kt, end - k0);
        const int mine = tm.kg.count(cols) + tm.vg.count(cols);  // this thread's packets
        member.team_barrier();                                   // the previous tile has been read
        store_chunk(tm, pre, cols, 0);
        for (int u0 = kPrefetch; u0 < mine; u0 += kPrefetch) {  // the rest (host teams, wide tiles)
          load_chunk(tm, pre, b, hk, k0, cols, u0);
          store_chunk(tm, pre, cols, u0);
        }
        if (k0 + kt < end) load_chunk(tm, pre, b, hk, k0 + kt, kx::min(kt, end - k0 - kt), 0);
        member.team_barrier();
        scores(tm, rows, k0, cols, end);
        member.team_barrier();
        probabilities(tm, rows, par);
        member.team_barrier();
        accumulate(tm, rows, cols);
      }
      member.team_barrier();
      for (int idx = tid; idx < rows * Dv; idx += nt) {  // the planes' sum
        float o = os[idx];
        for (int v = 1; v < slices; ++v) o += os[v * rows * Dv + idx];
        plan.part_o(slot, idx / Dv, idx % Dv) = o;
      }
      for (int r = tid; r < rows; r += nt) {
        float l = ls[r];
        for (int v = 1; v < slices; ++v) l += ls[v * rows + r];
        plan.part_m(slot, r) = ms[par * rows + r];
        plan.part_l(slot, r) = l;
      }
    }
  }
};

}  // namespace moat::attention
