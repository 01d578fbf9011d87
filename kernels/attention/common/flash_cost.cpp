#include "kernels/attention/common/flash_cost.hpp"

#include <algorithm>
#include <cstdint>

namespace moat::attention {

Cost flash_cost(const AttentionShape& s, DType dtype, const KeyRange& range) {
  const double heads = double(s.batch) * s.heads_q;
  double computed_pairs = 0;                    // scores the kernel evaluates (whole tiles)
  double key_tiles_read = 0;                    // K/V tiles staged, summed over query tiles
  double row_tiles = 0;                         // (row, tile) updates: one rescale each
  int all_lo = s.seq_kv, all_hi = 0;            // keys any row sees (what a packed team stages)
  const auto tile_keys = [&](int lo, int hi) {  // keys of the whole tiles covering [lo, hi)
    return hi > lo ? double(std::min((hi + kKeyTile - 1) / kKeyTile * kKeyTile, s.seq_kv) -
                            lo / kKeyTile * kKeyTile)
                   : 0.0;
  };
  for (int q0 = 0; q0 < s.seq_q; q0 += kQueryTile) {
    int lo = s.seq_kv, hi = 0;
    for (int i = q0; i < std::min(s.seq_q, q0 + kQueryTile); ++i) {
      auto [b, e] = range(i);
      b = std::clamp(b, 0, s.seq_kv);
      e = std::clamp(e, 0, s.seq_kv);
      if (e <= b) continue;
      lo = std::min(lo, b);
      hi = std::max(hi, e);
      all_lo = std::min(all_lo, b);
      all_hi = std::max(all_hi, e);
      const int t0 = b / kKeyTile, t1 = (e + kKeyTile - 1) / kKeyTile;
      computed_pairs += std::min(t1 * kKeyTile, s.seq_kv) - t0 * kKeyTile;
      row_tiles += t1 - t0;
    }
    key_tiles_read += tile_keys(lo, hi);
  }
  const double bytes = bytes_of(dtype);
  Cost c;
  c.flops_matrix = 2.0 * heads * computed_pairs * (s.head_dim + s.value_dim);
  // per score: mask/score mod, max, subtract, sum; per (row, tile): rescale of o and l.
  c.flops_vector = heads * (4.0 * computed_pairs + row_tiles * (s.value_dim + 2));
  c.special_ops = heads * (computed_pairs + row_tiles);
  const double kv_row_bytes = (s.head_dim + s.value_dim) * bytes;
  const double compulsory = (double(s.q_elems()) + s.o_elems()) * bytes +
                            double(s.batch) * s.heads_kv * s.seq_kv * kv_row_bytes;
  // Every query tile stages K/V; decode-shaped problems stage it once per packed team of a KV
  // head's rows (MLA decode: 2 teams for 128 heads, not 128). Variants whose rows carry their own
  // key spans keep one head per team on GPUs, so this undercounts their decode-shaped cases.
  const double packed_teams = double(s.batch) * s.heads_kv * flash_packed_tiles(s);
  const double staged = flash_shape_packs_rows(s)
                            ? packed_teams * tile_keys(all_lo, all_hi) * kv_row_bytes
                            : heads * key_tiles_read * kv_row_bytes;
  c.bytes_dram = compulsory;
  c.bytes_onchip = std::max(0.0, staged + (double(s.q_elems()) + s.o_elems()) * bytes - compulsory);
  c.launches = 1;
  return c;
}

KeyRange full_range(const AttentionShape& s) {
  return [n = s.seq_kv](int) { return std::pair<int, int>(0, n); };
}

KeyRange causal_range(const AttentionShape& s) {
  const int offset = s.seq_kv - s.seq_q;
  return
      [offset, n = s.seq_kv](int i) { return std::pair<int, int>(0, std::min(n, i + offset + 1)); };
}

}  // namespace moat::attention
