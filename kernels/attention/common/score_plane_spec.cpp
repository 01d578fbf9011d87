#include "kernels/attention/common/score_plane_spec.hpp"

#include <algorithm>

namespace moat::attention {

std::size_t plane_team_floats(const AttentionShape& s, const PlaneGeometry& g) {
  return std::size_t(g.group) * ((g.src_rows() + kPlaneRows) * std::size_t(s.seq_kv) + kPlaneRows);
}

int plane_teams(const AttentionShape& s, const PlaneGeometry& g) {
  return s.batch * (s.heads_q / g.group) * ((s.seq_q + kPlaneRows - 1) / kPlaneRows);
}

int plane_teams_per_wave(const AttentionShape& s, const PlaneGeometry& g) {
  const std::size_t per_team = plane_team_floats(s, g) * sizeof(float);
  const std::size_t fit = std::max<std::size_t>(1, kPlaneWorkspaceBudget / per_team);
  return int(std::min<std::size_t>(fit, std::size_t(plane_teams(s, g))));
}

// Accounting, per (batch, group, query block), with e(i) = visible keys of query i:
//  - raw scores: every source row i >= 0 of the block and its cq - 1 halo rows, keys < e(i):
//    2 d FLOPs each (halo rows are recomputed by each block: the price of independent blocks);
//  - mix: every visible output cell, 2 cq ck pre_heads FLOPs;
//  - softmax: max, subtract, sum, divide (4) and one exp per visible cell;
//  - post mix: 2 group FLOPs per visible cell; PV: 2 dv per visible cell.
// Memory: Q, K, V, O once from DRAM (compulsory). Each block reads Q rows (with halo) and K, V
// rows [0, e(last row)) of its heads again: on-chip re-reads beyond the compulsory bytes. The
// score block itself lives in global memory (workspace of plane_team_floats() per resident
// team, up to kPlaneWorkspaceBudget): every pass over it is charged as DRAM traffic — raw
// write, raw read by the mix; mixed write, max read, exp read + write, post-mix read and write
// (the 1/l of softmax is folded into the post mix or the PV step), PV read. On CPUs a block that fits in cache makes part of this on-chip in practice.
Cost score_plane_cost(const AttentionShape& s, DType dtype, const PlaneGeometry& g,
                      bool pre_is_matrix) {
  const int off = s.seq_kv - s.seq_q;
  auto e = [&](int i) { return g.causal ? std::clamp(i + off + 1, 0, s.seq_kv) : s.seq_kv; };
  double raw_cells = 0, vis_cells = 0, src_rows = 0, kv_rows = 0;
  for (int i0 = 0; i0 < s.seq_q; i0 += kPlaneRows) {
    const int rows = std::min(kPlaneRows, s.seq_q - i0);
    for (int i = std::max(0, i0 - (g.cq - 1)); i < i0 + rows; ++i) {
      raw_cells += e(i);
      src_rows += 1;
    }
    for (int i = i0; i < i0 + rows; ++i) vis_cells += e(i);
    kv_rows += e(i0 + rows - 1);
  }
  const double heads = double(s.batch) * s.heads_q;  // every head is in exactly one group
  const double bytes = bytes_of(dtype);
  const double mix = 2.0 * g.cq * g.ck * g.pre_heads() * heads * vis_cells;
  Cost c;
  c.flops_matrix = heads * (2.0 * s.head_dim * raw_cells + 2.0 * s.value_dim * vis_cells);
  c.flops_vector = heads * vis_cells * (4 + (g.post_mix ? 2.0 * g.group : 0));
  (pre_is_matrix ? c.flops_matrix : c.flops_vector) += mix;
  c.special_ops = heads * vis_cells;
  const double compulsory = double(s.q_elems() + s.k_elems() + s.v_elems() + s.o_elems()) * bytes;
  const double staged = heads * (src_rows * s.head_dim + kv_rows * (s.head_dim + s.value_dim)) * bytes +
                        double(s.o_elems()) * bytes;
  const double plane_passes_raw = 2, plane_passes_mixed = 5 + (g.post_mix ? 2 : 0);
  c.bytes_dram = compulsory +
                 heads * (plane_passes_raw * raw_cells + plane_passes_mixed * vis_cells) * 4.0;
  c.bytes_onchip = std::max(0.0, staged - compulsory);
  const int waves = (plane_teams(s, g) + plane_teams_per_wave(s, g) - 1) / plane_teams_per_wave(s, g);
  c.launches = waves;
  return c;
}

}  // namespace moat::attention
