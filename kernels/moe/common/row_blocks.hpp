#pragma once
// Host-side planning of the device grouped GEMM, done once when a tile list is set: which kernel
// path fits the rows per expert, the row blocks its teams take, and how deep the split-K chunks
// of the streaming path are. Kokkos-free.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/moe/common/shape.hpp"

namespace moat::moe {

struct RowTile {
  int expert, row0, rows;
};

// Row tiles of at most kRowTile rows from host offsets (size experts + 1); empty experts get none.
inline std::vector<RowTile> row_tiles_from_offsets(const std::vector<int>& offsets) {
  std::vector<RowTile> tiles;
  for (std::size_t e = 0; e + 1 < offsets.size(); ++e)
    for (int r = offsets[e]; r < offsets[e + 1]; r += kRowTile)
      tiles.push_back({int(e), r, std::min(kRowTile, offsets[e + 1] - r)});
  return tiles;
}

// stream: a few rows per expert, bound by reading the weights (stream_gemm.hpp);
// rows64 / rows128: register-blocked tiles of that many rows (tiled_gemm.hpp).
enum class GemmPath { stream, rows64, rows128 };

// Rows of one team's block on each path (the tilings' kRows).
constexpr int block_rows(GemmPath path) {
  return path == GemmPath::stream ? 16 : path == GemmPath::rows64 ? 64 : 128;
}

// Consecutive tiles of one expert with contiguous rows, as one segment each.
inline std::vector<RowTile> expert_segments(const std::vector<RowTile>& tiles) {
  std::vector<RowTile> segs;
  for (const RowTile& t : tiles) {
    if (t.rows <= 0) continue;
    if (!segs.empty() && segs.back().expert == t.expert &&
        segs.back().row0 + segs.back().rows == t.row0)
      segs.back().rows += t.rows;
    else
      segs.push_back(t);
  }
  return segs;
}

// The path from the mean rows per expert segment: up to 32 rows, streaming reads each weight
// once from memory (a second 16-row block rereads it from L2) and beats tiles that would stay
// half empty; from 96 rows the 128-row tile is at least three quarters full.
inline GemmPath choose_path(const std::vector<RowTile>& tiles) {
  const std::vector<RowTile> segs = expert_segments(tiles);
  std::int64_t rows = 0;
  for (const RowTile& s : segs) rows += s.rows;
  if (segs.empty() || rows <= 32 * std::int64_t(segs.size())) return GemmPath::stream;
  return rows < 96 * std::int64_t(segs.size()) ? GemmPath::rows64 : GemmPath::rows128;
}

// Expert segments cut into blocks of at most max_rows rows (in list order).
inline std::vector<RowTile> row_blocks(const std::vector<RowTile>& tiles, int max_rows) {
  std::vector<RowTile> blocks;
  for (const RowTile& s : expert_segments(tiles))
    for (int r = 0; r < s.rows; r += max_rows)
      blocks.push_back({s.expert, s.row0 + r, std::min(max_rows, s.rows - r)});
  return blocks;
}

// K chunk depth of the streaming path: enough chunks that teams * chunks reaches target_teams,
// but chunks at least kMinChunkDepth deep so that the fp32 partial sums (written and read once
// per chunk) stay a few percent of the weight bytes; a multiple of `stage`.
inline constexpr int kMinChunkDepth = 512;
inline int split_k_depth(std::int64_t teams, int k, std::int64_t target_teams, int stage) {
  const std::int64_t want = teams > 0 ? (target_teams + teams - 1) / teams : 1;
  const std::int64_t chunks =
      std::max<std::int64_t>(1, std::min<std::int64_t>(want, k / kMinChunkDepth));
  const std::int64_t depth = (k + chunks - 1) / chunks;
  return int(std::max<std::int64_t>(stage, (depth + stage - 1) / stage * stage));
}

}  // namespace moat::moe
