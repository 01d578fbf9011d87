#pragma once
// Kokkos-free half of the score-plane family (score_plane_skeleton.hpp): the mixing geometry,
// the kernel's workspace (the materialized score block) and the cost of its own tiling.
#include <cstddef>

#include "core/cost.hpp"
#include "core/dtype.hpp"
#include "core/host_device.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::attention {

// Query rows per score block (a team's tile of the plane).
inline constexpr int kPlaneRows = 16;
// Global-memory budget for the score blocks of concurrently resident teams; teams beyond it run
// in further launches ("waves") that reuse the same workspace.
inline constexpr std::size_t kPlaneWorkspaceBudget = std::size_t(256) << 20;

// How scores are mixed. Heads are split into consecutive groups of `group` heads; within a
// group, before softmax,
//   S'[g][i][j] = sum_{h, a < cq, b < ck} pre[g][h][a][b] * S0[h][i - (cq-1) + a][j - (ck-1)/2 + b]
// (h = g only when !pre_dense), where S0 is the raw score plane with masked cells and
// out-of-range rows/keys set to 0 (Mask_0); masked cells of S' are then -inf (Mask_-inf) and
// each row is softmax-normalized over keys; after softmax, when post_mix,
//   W'[g][i][j] = sum_h post[g][h] W[h][i][j].
struct PlaneGeometry {
  int group = 1;          // heads per group (heads_q % group == 0)
  int cq = 1, ck = 1;     // conv extents over queries (past only) and keys (centred, odd)
  bool pre_dense = false; // pre-softmax weights mix across the group's heads (talking heads)
  bool post_mix = false;  // post-softmax head mixing within the group
  bool causal = true;

  MOAT_HOST_DEVICE int pre_heads() const { return pre_dense ? group : 1; }
  MOAT_HOST_DEVICE int src_rows() const { return kPlaneRows + cq - 1; }  // block + query halo
};

// Floats of one team's workspace: raw block [group][kPlaneRows + cq - 1][seq_kv], mixed block
// [group][kPlaneRows][seq_kv] and the softmax row sums [group][kPlaneRows].
std::size_t plane_team_floats(const AttentionShape& s, const PlaneGeometry& g);
// Teams per launch so that their workspaces fit kPlaneWorkspaceBudget (at least 1).
int plane_teams_per_wave(const AttentionShape& s, const PlaneGeometry& g);
int plane_teams(const AttentionShape& s, const PlaneGeometry& g);  // batch * groups * q blocks

// Counts the skeleton's work cell by cell (see score_plane_spec.cpp for the accounting).
// pre_is_matrix: the pre-softmax mix is GEMM-shaped (dense head mixing) rather than a stencil.
Cost score_plane_cost(const AttentionShape& s, DType dtype, const PlaneGeometry& g,
                      bool pre_is_matrix);

}  // namespace moat::attention
