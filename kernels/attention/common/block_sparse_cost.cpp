#include "kernels/attention/common/block_sparse_cost.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace moat::attention {

namespace {
constexpr int kMaxListLength = 64;  // = kMaxTopK in block_sparse.hpp (device local arrays)
}

Cost block_sparse_attention_cost(const AttentionShape& s, DType dtype, const BlockGeometry& g,
                                 int top_k) {
  const double heads = double(s.batch) * s.heads_q;
  const int n = s.seq_kv, off = s.seq_kv - s.seq_q;
  const int width = g.list_width(top_k);
  double pairs = 0, row_tiles = 0, staged_keys = 0;
  for (int q0 = 0; q0 < s.seq_q; q0 += kQueryTile) {
    const int q1 = std::min(s.seq_q, q0 + kQueryTile);
    const int g0 = g.group_of_row(q0), g1 = g.group_of_row(q1 - 1);
    const int lists = g1 - g0 + 1;
    // Candidates and picks of the tile's last list; forced blocks span [first, last] current.
    const int cand = g.candidates(g1), picks = g.picks(g1, top_k);
    const double touched =
        cand > 0 ? 1.0 - std::pow(1.0 - std::min(1.0, double(picks) / cand), lists) : 0.0;
    // Causal: candidates are the tiles wholly before the first forced block's tile; the forced
    // tiles run from there to the row's own end. Non-causal: every tile is a candidate.
    const int forced_begin = g.causal ? g.current_block(g0) * g.block : 0;
    const double cand_tiles =
        g.causal ? double(forced_begin / kKeyTile) : double((n + kKeyTile - 1) / kKeyTile);
    double tile_hi_tiles = 0;
    for (int i = q0; i < q1; ++i) {
      const int end = g.causal ? std::min(n, i + off + 1) : n;
      const int t_end = (end + kKeyTile - 1) / kKeyTile;
      const int t_forced = g.causal ? t_end - forced_begin / kKeyTile : 0;
      const double tiles = t_forced + touched * cand_tiles;
      const int pad = std::max(0, t_end * kKeyTile - n);  // the sequence's ragged last tile
      pairs += tiles * kKeyTile - (g.causal ? 1.0 : touched) * pad;
      row_tiles += tiles;
      tile_hi_tiles = std::max(tile_hi_tiles, tiles);
    }
    staged_keys += tile_hi_tiles * kKeyTile;
  }
  const double bytes = bytes_of(dtype);
  const double kv_row_bytes = (s.head_dim + s.value_dim) * bytes;
  Cost c;
  c.flops_matrix = 2.0 * heads * pairs * (s.head_dim + s.value_dim);
  // per score: mask (list scan), max, subtract, sum; per (row, tile): rescale of o and l.
  c.flops_vector = heads * (4.0 * pairs + row_tiles * (s.value_dim + 2));
  c.special_ops = heads * (pairs + row_tiles);
  const double lists_bytes = double(s.rows()) * width * 4.0;  // int32 lists: merge + mask reads
  const double compulsory = (double(s.q_elems()) + s.o_elems()) * bytes +
                            double(s.batch) * s.heads_kv * n * kv_row_bytes;
  c.bytes_dram = compulsory + 2.0 * lists_bytes;
  c.bytes_onchip = std::max(0.0, heads * staged_keys * kv_row_bytes - double(s.batch) * s.heads_kv * n * kv_row_bytes);
  c.flops_vector += double(s.rows()) * width;  // the tile-list merge
  c.launches = 2;                              // tile lists, flash
  return c;
}

Cost pooled_gate_cost(const AttentionShape& s, DType dtype, const BlockGeometry& g, int top_k,
                      int gate_dim) {
  const double bytes = bytes_of(dtype);
  const double kv_heads = double(s.batch) * s.heads_kv, q_heads = double(s.batch) * s.heads_q;
  const int nb = g.key_blocks(), dq = gate_dim > 0 ? gate_dim : s.head_dim;
  Cost c;
  c.flops_vector += kv_heads * s.seq_kv * s.head_dim;  // pool K
  c.bytes_dram += double(s.k_elems()) * bytes + kv_heads * nb * dq * 4.0;
  c.launches += 2;  // pool K, select
  if (gate_dim > 0) c.flops_matrix += 2.0 * kv_heads * nb * s.head_dim * gate_dim;
  if (g.group > 1) {
    c.flops_vector += double(s.q_elems());  // pool Q
    c.bytes_dram += double(s.q_elems()) * bytes + q_heads * g.groups() * dq * 4.0;
    c.launches += 1;
    if (gate_dim > 0) c.flops_matrix += 2.0 * q_heads * g.groups() * s.head_dim * gate_dim;
  }
  double scored = 0;  // (list, candidate) pairs
  for (int grp = g.first_group(); grp < g.first_group() + g.groups(); ++grp)
    scored += g.candidates(grp);
  c.flops_matrix += 2.0 * q_heads * scored * dq;
  c.flops_vector += q_heads * scored;  // top-k insertion test per candidate
  c.bytes_onchip += q_heads * scored * dq * 4.0;  // pooled keys re-read per list
  c.bytes_dram += double(s.rows()) * g.list_width(top_k) * 4.0;  // lists written
  return c;
}

ParamSpec block_param(std::int64_t dflt) {
  return int_param("block", "key tokens per block (and query tokens per block-level list)", dflt, 1, 1 << 20);
}

ParamSpec top_k_param(std::int64_t dflt) {
  return int_param("top_k", "key blocks per list (incl. the forced current block when causal)", dflt, 1, kMaxListLength);
}

void validate_block_sparse(const Params& p) {
  if (p.i("seq_q") > p.i("seq_kv"))
    throw Error("seq_q (" + std::to_string(p.i("seq_q")) + ") must not exceed seq_kv (" +
                std::to_string(p.i("seq_kv")) + "): queries are the last seq_q positions");
  if (p.i("heads_q") % p.i("heads_kv") != 0)
    throw Error("heads_q (" + std::to_string(p.i("heads_q")) +
                ") must be a multiple of heads_kv (" + std::to_string(p.i("heads_kv")) + ")");
}

}  // namespace moat::attention
