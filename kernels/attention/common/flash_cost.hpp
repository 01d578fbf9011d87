#pragma once
// Cost of the flash skeleton for a mask given as a per-row key range [begin(i), end(i)) and the
// exact number of visible (query, key) pairs. Counts the kernel's own tiling: a row computes
// whole key tiles that intersect its range; K/V tiles are re-read once per query tile, or once per
// packed team of a KV head's rows for decode-shaped problems (kFlashTeamRows).
#include <functional>
#include <utility>

#include "core/cost.hpp"
#include "core/dtype.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::attention {

using KeyRange = std::function<std::pair<int, int>(int i)>;  // [begin, end) for query row i

// Query rows of one GPU team of the flash path: twice kQueryTile (the host tile rows), so that
// every K/V stage feeds twice the FLOPs. Decode-shaped problems (a group of query heads per KV
// head, fewer tokens than this) pack the group's rows into such teams, which stage each K/V tile
// once for all of them (flash_device.hpp: flash_packs_rows).
inline constexpr int kFlashTeamRows = 2 * kQueryTile;

// Whether a shape is decode-shaped in that sense (policies whose rows carry their own key spans
// still keep one head per team: flash_packs_rows), and the packed teams a KV head's rows take.
inline bool flash_shape_packs_rows(const AttentionShape& s) {
  return s.group() > 1 && s.seq_q < kFlashTeamRows;
}
inline int flash_packed_tiles(const AttentionShape& s) {
  return (s.group() * s.seq_q + kFlashTeamRows - 1) / kFlashTeamRows;
}

Cost flash_cost(const AttentionShape& s, DType dtype, const KeyRange& range);

// Key ranges of the standard masks.
KeyRange full_range(const AttentionShape& s);
KeyRange causal_range(const AttentionShape& s);  // bottom-right aligned: offset seq_kv - seq_q

}  // namespace moat::attention
