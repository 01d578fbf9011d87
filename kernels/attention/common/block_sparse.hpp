#pragma once
// The block-sparse skeleton: a selector writes, for every query row, the ascending list of key
// blocks it attends to; build_tile_lists() merges the lists of each 32-row query tile into the
// key spans that tile reads; BlockSparsePolicy plugs both into the flash skeleton (flash.hpp's
// span hook): a tile visits only the union of its rows' blocks, and visible() masks every key
// outside the row's own list (and after the row's position when causal).
//
//   sel         [b][h][seq_q][width]  selected key blocks per row, ascending, -1 padded
//   tile_blocks [b][h][q_tiles][cap]  sorted union over the tile's rows; tile_count entries used
#include <string>

#include "kernels/attention/common/block_sparse_geometry.hpp"
#include "kernels/attention/common/flash.hpp"

namespace moat::attention {

inline constexpr int kMaxTopK = 64;  // longest list a selector may keep (local arrays)

// Running top-k of (score, id) pairs fed in ascending id order: descending score, ties keep the
// lower id (a later equal score never displaces an earlier one). The float64 twins use the same
// rule (host_top_k in block_sparse_host.hpp).
template <int Cap>
struct TopK {
  float score[Cap];
  int id[Cap];
  int n = 0, k = 0;

  KOKKOS_INLINE_FUNCTION explicit TopK(int k_) : k(k_ < Cap ? k_ : Cap) {}
  KOKKOS_INLINE_FUNCTION void push(float s, int i) {
    if (k == 0 || (n == k && !(s > score[n - 1]))) return;
    int p = n < k ? n++ : n - 1;
    while (p > 0 && s > score[p - 1]) {
      score[p] = score[p - 1];
      id[p] = id[p - 1];
      --p;
    }
    score[p] = s;
    id[p] = i;
  }
  // Ids in ascending order (insertion sort; lists are short).
  KOKKOS_INLINE_FUNCTION void sort_ids() {
    for (int a = 1; a < n; ++a)
      for (int p = a; p > 0 && id[p] < id[p - 1]; --p) {
        const int t = id[p];
        id[p] = id[p - 1];
        id[p - 1] = t;
      }
  }
};

struct BlockSparsePolicy {
  View4<const int> sel;
  View3<const int> tile_count;
  View4<const int> tile_blocks;
  int block, width, seq_kv, offset;
  bool causal;
  static constexpr bool kPlainScore = true;

  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return causal ? kx::min(seq_kv, i + offset + 1) : seq_kv;
  }
  KOKKOS_INLINE_FUNCTION bool visible(int b, int h, int i, int j) const {
    if (causal && j > i + offset) return false;
    const int blk = j / block;
    for (int t = 0; t < width; ++t) {  // ascending list: stop at the first id >= blk
      const int s = sel(b, h, i, t);
      if (s < 0 || s > blk) return false;
      if (s == blk) return true;
    }
    return false;
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
  KOKKOS_INLINE_FUNCTION int span_count(int b, int h, int qt) const { return tile_count(b, h, qt); }
  KOKKOS_INLINE_FUNCTION void span(int b, int h, int qt, int t, int& begin, int& end) const {
    begin = tile_blocks(b, h, qt, t) * block;
    end = begin + block;
  }
};

// Device storage of the lists for one attention call.
struct BlockLists {
  View4<int> sel;
  View3<int> tile_count;
  View4<int> tile_blocks;
  int width = 0;

  BlockLists() = default;
  BlockLists(const AttentionShape& s, const BlockGeometry& g, int width_)
      : sel(std::string("moat_block_sel"), s.batch, s.heads_q, s.seq_q, width_),
        tile_count(std::string("moat_tile_count"), s.batch, s.heads_q, q_tiles(s)),
        tile_blocks(std::string("moat_tile_blocks"), s.batch, s.heads_q, q_tiles(s),
                    kx::min(g.key_blocks(), kQueryTile * width_)),
        width(width_) {}
  static int q_tiles(const AttentionShape& s) { return (s.seq_q + kQueryTile - 1) / kQueryTile; }

  BlockSparsePolicy policy(const AttentionShape& s, const BlockGeometry& g) const {
    return {sel, tile_count, tile_blocks, g.block, width, s.seq_kv, s.seq_kv - s.seq_q, g.causal};
  }
};

// Sorted union of the row lists of every query tile: a merge of up to 32 ascending lists (one
// cursor per row; each step emits the smallest head and advances the rows that hold it).
inline void build_tile_lists(const BlockLists& L, const AttentionShape& s) {
  const int tiles = BlockLists::q_tiles(s), heads = s.heads_q, seq_q = s.seq_q;
  const int width = L.width, cap = int(L.tile_blocks.extent(3));
  auto sel = L.sel;
  auto count = L.tile_count;
  auto out = L.tile_blocks;
  Kokkos::parallel_for(
      "moat::attention::block_tile_lists", RangePolicy(0, s.batch * heads * tiles),
      KOKKOS_LAMBDA(int idx) {
        const int qt = idx % tiles, h = idx / tiles % heads, b = idx / tiles / heads;
        const int i0 = qt * kQueryTile, rows = kx::min(kQueryTile, seq_q - i0);
        int cursor[kQueryTile];
        for (int r = 0; r < rows; ++r) cursor[r] = 0;
        int n = 0;
        while (n < cap) {
          int next = -1;
          for (int r = 0; r < rows; ++r) {
            if (cursor[r] >= width) continue;
            const int v = sel(b, h, i0 + r, cursor[r]);
            if (v >= 0 && (next < 0 || v < next)) next = v;
          }
          if (next < 0) break;
          out(b, h, qt, n++) = next;
          for (int r = 0; r < rows; ++r)
            if (cursor[r] < width && sel(b, h, i0 + r, cursor[r]) == next) ++cursor[r];
        }
        count(b, h, qt) = n;
      });
}

// Tile lists, then softmax attention over the selected blocks only.
inline void block_sparse_attention(const View4<const float>& q, const View4<const float>& k,
                                   const View4<const float>& v, const View4<float>& o,
                                   const AttentionShape& s, const BlockGeometry& g,
                                   const BlockLists& L) {
  build_tile_lists(L, s);
  flash_forward(q, k, v, o, s, L.policy(s, g));
}

}  // namespace moat::attention
