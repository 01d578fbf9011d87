#pragma once
// The GPU tile path of the flash skeleton (flash.hpp states the Policy contract and the math).
// One team per kQueryTile query rows of one (batch, head), laid out as in flash_device_tiles.hpp:
// scores and output accumulators in registers. Decode-shaped GQA / MQA / MLA steps pack the rows
// of every head of a KV head's group into the tiles instead (TileRows), and may cut the keys into
// splits whose partial states the decode skeleton's merge combines. Per key tile:
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

template <class Policy, class Tiling, class T = float>
struct FlashDevice {
  using Tile = RegisterTile<Tiling>;
  static constexpr int BQ = Tile::BQ, BK = Tile::BK, TN = Tile::TN;
  static constexpr int RM = Tile::RM, RK = Tile::RK, OC = Tile::OC, RO = Tile::RO;

  View4<const T> q, k, v;
  View4<T> o;
  AttentionShape s;
  Policy policy;
  int q_tiles;      // contiguous: query tiles per head; packed: row tiles per KV head
  bool packed;      // rows of a KV head's whole group per team (TileRows)
  int items;        // packed with splits: plan items (key ranges); 0: every key, direct output
  DecodePlan plan;  // partial states of the splits (items > 0)

  static std::size_t scratch_bytes() { return Tile::scratch_bytes(); }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    TileRows tr;
    int qt = 0, kbeg = 0, kend = s.seq_kv, slot = -1;
    if (packed) {
      const int n = team.league_rank() / q_tiles, pt = team.league_rank() % q_tiles;
      int b, hk;
      if (items > 0) {
        b = plan.items(n, 0), hk = plan.items(n, 1), kbeg = plan.items(n, 2);
        kend = plan.items(n, 3), slot = plan.items(n, 4);
      } else {
        b = n / s.heads_kv, hk = n % s.heads_kv;
      }
      const int i0 = pt * BQ, packed_rows = s.group() * s.seq_q;
      tr = TileRows{b, hk, 0, i0, kx::min(BQ, packed_rows - i0), s.seq_q, s.group(), true};
    } else {
      const QueryTile tile(team.league_rank(), q_tiles, s);
      tr = TileRows{tile.b, tile.hk, tile.h, tile.i0, tile.rows, s.seq_q, s.group(), false};
      qt = tile.qt;
    }
    const int b = tr.b, hk = tr.hk, rows = tr.rows;
    const Tile t(team);
    const int r0 = t.r0, tx = t.tx;
    const View4<const T>& values = PolicyValuesFromKeys<Policy> ? k : v;

    TileSpans<Policy> spans(policy, b, tr.h0, qt, packed ? 0 : tr.i0, packed ? 0 : rows, s.seq_kv);
    if (packed) {  // the union of the rows' ranges (heads differ by row), within the split
      int lo = kend, hi = kbeg;
      for (int r = 0; r < rows; ++r) {
        lo = kx::min(lo, policy.key_begin(b, tr.head(r), tr.query(r)));
        hi = kx::max(hi, policy.key_end(b, tr.head(r), tr.query(r)));
      }
      spans.lo = kx::max(lo, kbeg);
      spans.hi = kx::min(hi, kend);
    }
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

      spans.for_each_tile([&](int k0, int cols) {
        // 1. Scores.
        float sc[RM][RK];
        t.scores(q, k, s, tr, k0, cols, sc);
        // 2. Mask, score mod, this thread's row maxima.
        MOAT_UNROLL_BLOCK for (int i = 0; i < RM; ++i) {
          const int r = r0 + i;
          float tmax = kx::lowest_float();
          if (r < rows) {
            const int h = tr.head(r), row = tr.query(r);
            const int kb = kx::max(kbeg, policy.key_begin(b, h, row));
            const int ke = kx::min(kend, policy.key_end(b, h, row));
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
        MOAT_UNROLL_BLOCK for (int i = 0; i < RM; ++i) {
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
      // No break / continue in these loops: acc[i][j] must stay in registers (fully unrolled).
      MOAT_UNROLL_BLOCK for (int i = 0; i < RM; ++i) {
        const int r = r0 + i;
        float l = 0.f;
        for (int u = 0; u < TN; ++u) l += t.partial(r, u);
        if constexpr (PolicyHasSink<Policy>) l += kx::exp(sink_of(i) - m[i]);
        if (r < rows && slot >= 0) {  // a split's unnormalized state: merge_decode_partials ends it
          const int p = tr.i0 + r;
          for (int j = 0; j < RO; ++j)
            if (t.col(j) < ocols) plan.part_o(slot, p, dv0 + t.col(j)) = acc[i][j];
          if (tx == 0) {
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
  return !PolicyHasSpans<Policy> && s.group() > 1 && s.seq_q < kQueryTile;
}
// Row tiles per KV head when packed.
inline int flash_packed_tiles(const AttentionShape& s) {
  return (s.group() * s.seq_q + kQueryTile - 1) / kQueryTile;
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
// twice over, each split at least 4 key tiles.
template <class Policy>
int flash_key_splits(const AttentionShape& s, int device_slots) {
  if (!flash_splits_keys<Policy>(s)) return 1;
  const int teams = s.batch * s.heads_kv * flash_packed_tiles(s);
  const int want = (2 * device_slots + teams - 1) / teams;
  return kx::max(1, kx::min(want, s.seq_kv / (4 * kKeyTile)));
}

template <class Policy, class Tiling, class T>
void flash_device_launch(const View4<const T>& q, const View4<const T>& k, const View4<const T>& v,
                         const View4<T>& o, const AttentionShape& s, const Policy& policy,
                         const FlashSplitPlan* split) {
  using Functor = FlashDevice<Policy, Tiling, T>;
  const bool packed = flash_packs_rows<Policy>(s);
  const int tiles = packed ? flash_packed_tiles(s) : (s.seq_q + kQueryTile - 1) / kQueryTile;
  const int items = packed && split ? split->items : 0;
  Functor f{q, k, v, o, s, policy, tiles, packed, items, items > 0 ? split->plan : DecodePlan{}};
  const int teams =
      packed ? (items > 0 ? items : s.batch * s.heads_kv) * tiles : s.batch * s.heads_q * tiles;
  TeamPolicy tp(teams, Tiling::kThreads);
  tp.set_scratch_size(0, Kokkos::PerTeam(Functor::scratch_bytes()));
  Kokkos::parallel_for("moat::attention::flash_device", tp, f);
  if (items > 0) merge_decode_partials(split->plan, s, o);
}

// The device tile path on the default execution space: 8 x 8 threads on GPUs, one thread on a
// host space. Value columns go 64 or 128 per pass. `split` (packed rows only): partial states
// per key split, merged after (flash_split_plan builds it once per problem).
template <class Policy, class T>
void flash_forward_device_path(const View4<const T>& q, const View4<const T>& k,
                               const View4<const T>& v, const View4<T>& o, const AttentionShape& s,
                               const Policy& policy, const FlashSplitPlan* split = nullptr) {
  if constexpr (kExecOnHost) {
    if (s.value_dim <= 64)
      flash_device_launch<Policy, SerialFlashTiling<64>, T>(q, k, v, o, s, policy, split);
    else
      flash_device_launch<Policy, SerialFlashTiling<128>, T>(q, k, v, o, s, policy, split);
  } else {
    if (s.value_dim <= 64)
      flash_device_launch<Policy, DeviceFlashTiling<64>, T>(q, k, v, o, s, policy, split);
    else
      flash_device_launch<Policy, DeviceFlashTiling<128>, T>(q, k, v, o, s, policy, split);
  }
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
