#pragma once
// The GPU tile path of the flash skeleton (flash.hpp states the Policy contract and the math).
// One team per kFlashTeamRows query rows of one (batch, head), laid out as in
// flash_device_tiles.hpp: scores and output accumulators in registers, Q/K/V staged through a
// two-buffer pipeline. Decode-shaped GQA / MQA / MLA steps pack the rows of every head of a KV
// head's group into the tiles instead (TileRows), and may cut the keys into splits whose partial
// states the decode skeleton's merge combines. Per key tile:
//   1. S = (scale Q) K^T (score stages);
//   2. mask and score mod per element; row maxima across the row's threads (warp shuffles);
//   3. P = exp(S - m) written to scratch; accumulators and partial row sums rescaled by alpha;
//   4. O += P V (value stages).
// Every thread of a row computes the same running max, so only the row maxima cross threads per
// tile; partial row sums are added once at the end. Value columns wider than kOutCols run in
// passes that recompute the scores (MLA's 512 latent columns: two passes of 256).
//
// The team layout is a template parameter: GPUs use 128 threads (256 for 256 value columns); a
// one-thread layout runs the same code on a host team, which is how CPU tests check the GPU path.
#include <memory>

#include "kernels/attention/common/decode_skeleton.hpp"  // DecodePlan, merge_decode_partials
#include "kernels/attention/common/flash_device_tiles.hpp"
#include "kernels/attention/common/flash_policy.hpp"

namespace moat::attention {

// Partial outputs of packed teams that each cover one key split: the decode skeleton's plan
// (items = key ranges of one KV head, slots = partial states) and its merge.
struct FlashSplitPlan {
  DecodePlan plan;
  int items;
};

// Key tiles a team reads, in order (next(after): the tile after `after`, -1 at the end): the union
// of its rows' [key_begin, key_end), or of the span lists of the kQueryTile-row query tiles it
// covers (block-sparse policies list spans per query tile, sorted by begin).
template <class Policy>
struct FlashKeyTiles {
  static constexpr int kSubTiles = kFlashTeamRows / kQueryTile;
  static_assert(kFlashTeamRows % kQueryTile == 0, "a team covers whole query tiles");
  const Policy& p;
  int b, h, qt0, sub, seq_kv;
  KeyTileRange range{0, 0};
  int count[kSubTiles] = {}, cursor[kSubTiles] = {};

  // Contiguous rows [i0, i0 + rows) of head h.
  KOKKOS_INLINE_FUNCTION FlashKeyTiles(const Policy& pol, int b_, int h_, int i0, int rows, int n)
      : p(pol), b(b_), h(h_), qt0(i0 / kQueryTile), sub(0), seq_kv(n) {
    if constexpr (PolicyHasSpans<Policy>) {
      sub = (rows + kQueryTile - 1) / kQueryTile;
      // Compile-time indices keep count / cursor in registers (no local memory).
      MOAT_UNROLL_BLOCK for (int u = 0; u < kSubTiles; ++u) {
        if (u < sub) count[u] = p.span_count(b, h, qt0 + u);
      }
    } else {
      int lo = seq_kv, hi = 0;
      for (int r = 0; r < rows; ++r) {
        lo = kx::min(lo, p.key_begin(b, h, i0 + r));
        hi = kx::max(hi, p.key_end(b, h, i0 + r));
      }
      range = {kx::max(lo, 0), kx::min(hi, seq_kv)};
    }
  }
  // Packed rows (heads differ by row), within the split [kbeg, kend).
  KOKKOS_INLINE_FUNCTION FlashKeyTiles(const Policy& pol, const TileRows& tr, int kbeg, int kend,
                                       int n)
      : p(pol), b(tr.b), h(0), qt0(0), sub(0), seq_kv(n) {
    int lo = kend, hi = kbeg;
    for (int r = 0; r < tr.rows; ++r) {
      lo = kx::min(lo, p.key_begin(b, tr.head(r), tr.query(r)));
      hi = kx::max(hi, p.key_end(b, tr.head(r), tr.query(r)));
    }
    range = {kx::max(lo, kbeg), kx::min(hi, kend)};
  }

  KOKKOS_INLINE_FUNCTION int next(int after) {
    if constexpr (!PolicyHasSpans<Policy>) {
      return range.next(after);
    } else {
      const int from = (after + 1) * kKeyTile;  // first key of the candidate tiles
      int best = -1;
      MOAT_UNROLL_BLOCK for (int u = 0; u < kSubTiles; ++u) {
        // The first span of list u that reaches past `from` (lists past `sub` are empty).
        for (; cursor[u] < count[u]; ++cursor[u]) {
          int begin, end;
          p.span(b, h, qt0 + u, cursor[u], begin, end);
          begin = kx::max(begin, 0);
          end = kx::min(end, seq_kv);
          if (end <= begin || end <= from) continue;
          const int t = kx::max(begin / kKeyTile, after + 1);
          best = best < 0 ? t : kx::min(best, t);
          break;
        }
      }
      return best;
    }
  }
};

template <class Policy, class Tiling, class T = float>
struct FlashDevice {
  using Tile = RegisterTile<Tiling>;
  static constexpr int BQ = Tile::BQ, BK = Tile::BK;
  static constexpr int RM = Tile::RM, RK = Tile::RK, OC = Tile::OC, RO = Tile::RO;

  View4<const T> q, k, v;
  View4<T> o;
  AttentionShape s;
  Policy policy;
  int q_tiles;      // contiguous: row tiles per head; packed: row tiles per KV head
  bool packed;      // rows of a KV head's whole group per team (TileRows)
  int items;        // packed with splits: plan items (key ranges); 0: every key, direct output
  DecodePlan plan;  // partial states of the splits (items > 0)

  static std::size_t scratch_bytes() { return Tile::scratch_bytes(); }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    TileRows tr;
    int kbeg = 0, kend = s.seq_kv, slot = -1;
    // Packed: teams of one (head or split, row tile) are neighbours. Contiguous (prefill): the
    // last row tiles of every head first, so that under causal masks (later rows see more keys)
    // the longest teams start in the first wave and the short ones fill the tail.
    const int rank = team.league_rank(), heads = team.league_size() / q_tiles;
    const int n = packed ? rank / q_tiles : rank % heads;
    const int i0 = (packed ? rank % q_tiles : q_tiles - 1 - rank / heads) * BQ;
    if (packed) {
      int b, hk;
      if (items > 0) {
        b = plan.items(n, 0), hk = plan.items(n, 1), kbeg = plan.items(n, 2);
        kend = plan.items(n, 3), slot = plan.items(n, 4);
      } else {
        b = n / s.heads_kv, hk = n % s.heads_kv;
      }
      const int packed_rows = s.group() * s.seq_q;
      tr = TileRows{b, hk, 0, i0, kx::min(BQ, packed_rows - i0), s.seq_q, s.group(), true};
    } else {  // n = b * heads_q + h
      const int b = n / s.heads_q, h = n % s.heads_q;
      tr = TileRows{b, h / s.group(), h, i0, kx::min(BQ, s.seq_q - i0), s.seq_q, s.group(), false};
    }
    const int b = tr.b, rows = tr.rows;
    const Tile t(team);
    const int r0 = t.r0;
    const View4<const T>& values = PolicyValuesFromKeys<Policy> ? k : v;

    // The sink logit of row r0 + i's head (rows past the tile take the last row's: unused).
    const auto sink_of = [&](int i) {
      float x = kx::lowest_float();
      if constexpr (PolicyHasSink<Policy>)
        x = policy.sink_logit(b, tr.head(kx::min(r0 + i, rows - 1)));
      else
        (void)i;
      return x;
    };

    for (int dv0 = 0; dv0 < s.value_dim; dv0 += OC) {
      const int ocols = kx::min(OC, s.value_dim - dv0);
      float m[RM], lpart[RM], acc[RM][RO];
      for (int i = 0; i < RM; ++i) {
        m[i] = sink_of(i);  // the sink logit (if any) is the first "key": its value is zero
        lpart[i] = 0.f;
        for (int j = 0; j < RO; ++j) acc[i][j] = 0.f;
      }
      auto tiles = packed ? FlashKeyTiles<Policy>(policy, tr, kbeg, kend, s.seq_kv)
                          : FlashKeyTiles<Policy>(policy, b, tr.h0, i0, rows, s.seq_kv);
      const StageSource<Tiling, T> src(q, k, values, s, tr, dv0, t.tid);

      t.template walk<true>(src, tiles, acc, [&](int k0, int cols, float(&sc)[RM][RK]) {
        // Mask and score mod; this thread's row maxima, then the row's.
        MOAT_UNROLL_BLOCK for (int i = 0; i < RM; ++i) {
          // Row r's keys [kb, ke) within the split; rows past the tile see none (their head
          // and query index are the last row's: never used).
          const int r = kx::min(r0 + i, rows - 1), h = tr.head(r), row = tr.query(r);
          const int kb = r0 + i < rows ? kx::max(kbeg, policy.key_begin(b, h, row)) : 0;
          const int ke = r0 + i < rows ? kx::min(kend, policy.key_end(b, h, row)) : 0;
          // Keys past `cols` (a partial last tile) hold zeros: they are masked too.
          if (!(cols == BK && fully_visible<Policy>(kb, ke, k0, cols))) {
            for (int j = 0; j < RK; ++j) {
              const int c = t.col(j);
              sc[i][j] = c < cols ? masked_score(policy, b, h, row, k0 + c, kb, ke, sc[i][j])
                                  : kx::lowest_float();
            }
          }
          float tmax = kx::lowest_float();
          for (int j = 0; j < RK; ++j) tmax = kx::fast_max(tmax, sc[i][j]);
          // Online softmax: the same new max in every thread of a row. While a row has seen no
          // key (max still lowest_float), 0 stands in for it: every weight is then e^(lowest)
          // = 0 and no per-key test is needed.
          const float row_max = kx::fast_max(m[i], t.row_max(tmax));
          const float shift = row_max == kx::lowest_float() ? 0.f : row_max;
          const float alpha = kx::fast_exp(m[i] - shift);
          m[i] = row_max;
          lpart[i] *= alpha;
          for (int j = 0; j < RO; ++j) acc[i][j] *= alpha;
          for (int j = 0; j < RK; ++j) {
            sc[i][j] = kx::fast_exp(sc[i][j] - shift);
            lpart[i] += sc[i][j];
          }
        }
        t.store_weights(sc);
      });

      // Row sums: partials of the row's threads, plus the sink's term. No break / continue in
      // these loops: acc[i][j] must stay in registers (fully unrolled).
      MOAT_UNROLL_BLOCK for (int i = 0; i < RM; ++i) {
        const int r = r0 + i;
        float l = t.row_sum(lpart[i]);
        if constexpr (PolicyHasSink<Policy>) l += kx::fast_exp(sink_of(i) - m[i]);
        if (r < rows && slot >= 0) {  // a split's unnormalized state: merge_decode_partials ends it
          const int p = tr.i0 + r;
          for (int j = 0; j < RO; ++j)
            if (t.col(j) < ocols) plan.part_o(slot, p, dv0 + t.col(j)) = acc[i][j];
          if (t.tx == 0) {
            plan.part_m(slot, p) = m[i];
            plan.part_l(slot, p) = l;
          }
        } else if (r < rows) {
          const int h = tr.head(r), row = tr.query(r);
          const float inv_l = l > 0.f ? 1.f / l : 0.f;
          for (int j = 0; j < RO; ++j) {
            const int d = t.col(j);
            if (d < ocols) {
              float out = acc[i][j] * inv_l;
              if constexpr (PolicyHasFinish<Policy>) out = policy.finish(b, h, row, dv0 + d, out);
              o(b, h, row, dv0 + d) = store_as<T>(out);
            }
          }
        }
      }
    }
  }
};

// Whether the device path packs a KV head's whole query group into each team: decode-shaped
// steps (fewer query tokens than a tile) of GQA / MQA / MLA, where per-head teams would re-read
// the same K/V tiles once per head and leave most tile rows empty. Block-sparse policies list
// key spans per (head, query tile), so they keep one head per team.
template <class Policy>
bool flash_packs_rows(const AttentionShape& s) {
  return !PolicyHasSpans<Policy> && flash_shape_packs_rows(s);
}

// Whether packed teams may cut the keys into splits: sinks and output maps need the whole row.
template <class Policy>
bool flash_splits_keys(const AttentionShape& s) {
  return flash_packs_rows<Policy>(s) && !PolicyHasSink<Policy> && !PolicyHasFinish<Policy>;
}

// Roughly how many teams the device runs at once: its SM count on GPUs (concurrency() counts
// 2048 resident threads per SM), 1 on host spaces.
inline int device_team_slots() {
  return kExecOnHost ? 1 : kx::max(1, int(ExecSpace().concurrency() / 2048));
}

// Key splits for packed teams: enough (batch, KV head, row tile, split) teams to fill the device
// twice over, each split at least one key tile. A split's partial state per row (value_dim + 2
// floats, written once and merged once) costs far less than the tile of keys it saves: MLA decode
// at batch 1 (one KV head, two row tiles) runs 4096 keys as 64 splits, 128 teams on 132 SMs; a
// floor of 4 tiles per split left 32 teams and three quarters of an H100 idle.
template <class Policy>
int flash_key_splits(const AttentionShape& s, int device_slots) {
  if (!flash_splits_keys<Policy>(s)) return 1;
  const int teams = s.batch * s.heads_kv * flash_packed_tiles(s);
  const int want = (2 * device_slots + teams - 1) / teams;
  return kx::max(1, kx::min(want, s.seq_kv / kKeyTile));
}

template <class Policy, class Tiling, class T>
void flash_device_launch(const View4<const T>& q, const View4<const T>& k, const View4<const T>& v,
                         const View4<T>& o, const AttentionShape& s, const Policy& policy,
                         const FlashSplitPlan* split) {
  using Functor = FlashDevice<Policy, Tiling, T>;
  const bool packed = flash_packs_rows<Policy>(s);
  const int tiles =
      packed ? flash_packed_tiles(s) : (s.seq_q + kFlashTeamRows - 1) / kFlashTeamRows;
  const int items = packed && split ? split->items : 0;
  Functor f{packet_rows(q),
            packet_rows(k),
            packet_rows(v),
            o,
            s,
            policy,
            tiles,
            packed,
            items,
            items > 0 ? split->plan : DecodePlan{}};
  const int teams =
      packed ? (items > 0 ? items : s.batch * s.heads_kv) * tiles : s.batch * s.heads_q * tiles;
  static_assert(Tiling::kThreadsN == 1 || !kExecOnHost, "rows span several threads on GPUs only");
  FlashTeamPolicy<Tiling> tp(teams, Tiling::kThreads);
  tp.set_scratch_size(0, Kokkos::PerTeam(Functor::scratch_bytes()));
  Kokkos::parallel_for("moat::attention::flash_device", tp, f);
  if (items > 0) merge_decode_partials(split->plan, s, o);
}

// The device tile path on the default execution space: 128 or 256 threads per team on GPUs, one
// thread on a host space. Value columns go 64, 128 or 256 per pass (flash_out_cols). `split`
// (packed rows only): partial states per key split, merged after (flash_split_plan builds it once
// per problem).
template <class Policy, class T>
void flash_forward_device_path(const View4<const T>& q, const View4<const T>& k,
                               const View4<const T>& v, const View4<T>& o, const AttentionShape& s,
                               const Policy& policy, const FlashSplitPlan* split = nullptr) {
  with_flash_tiling(s.value_dim, [&](auto tiling) {
    flash_device_launch<Policy, decltype(tiling), T>(q, k, v, o, s, policy, split);
  });
}

// The split plan of a packed problem (null when it runs unsplit): n_splits key ranges per KV head.
template <class Policy>
std::unique_ptr<FlashSplitPlan> flash_split_plan(const AttentionShape& s, int n_splits) {
  if (n_splits <= 1 || !flash_splits_keys<Policy>(s)) return nullptr;
  const DecodeSchedule schedule = split_kv_schedule(s.batch, s.heads_kv, s.seq_kv, n_splits);
  return std::make_unique<FlashSplitPlan>(
      FlashSplitPlan{DecodePlan(schedule, s), int(schedule.items.size())});
}

}  // namespace moat::attention
