#include "kernels/attention/common/decode_schedule.hpp"

#include <algorithm>

namespace moat::attention {

namespace {
int tiles_of(int keys) { return (keys + kDecodeKeyTile - 1) / kDecodeKeyTile; }
}  // namespace

DecodeSchedule split_kv_schedule(int batch, int heads_kv, int keys, int n_splits) {
  DecodeSchedule s;
  const int per = (tiles_of(keys) + n_splits - 1) / n_splits * kDecodeKeyTile;  // keys per split
  s.team_offsets.push_back(0);
  s.slot_offsets.push_back(0);
  for (int b = 0; b < batch; ++b)
    for (int hk = 0; hk < heads_kv; ++hk) {
      for (int p = 0; p < n_splits; ++p) {
        const int begin = std::min(keys, p * per), end = std::min(keys, (p + 1) * per);
        s.items.push_back({b, hk, begin, end, int(s.items.size())});
        s.team_offsets.push_back(int(s.items.size()));
      }
      s.slot_offsets.push_back(int(s.items.size()));
    }
  return s;
}

DecodeSchedule lean_schedule(int batch, int heads_kv, int keys, int workers) {
  DecodeSchedule s;
  const int tiles = std::max(1, tiles_of(keys));
  const std::int64_t heads = std::int64_t(batch) * heads_kv, total = heads * tiles;
  s.team_offsets.push_back(0);
  for (int w = 0; w < workers; ++w) {
    std::int64_t it = total * w / workers;
    const std::int64_t stop = total * (w + 1) / workers;
    while (it < stop) {  // one item per head the worker's range touches
      const std::int64_t head = it / tiles;
      const std::int64_t seg_end = std::min(stop, (head + 1) * tiles);
      const int t0 = int(it - head * tiles), t1 = int(seg_end - head * tiles);
      s.items.push_back({int(head / heads_kv), int(head % heads_kv),
                         std::min(keys, t0 * kDecodeKeyTile), std::min(keys, t1 * kDecodeKeyTile),
                         int(s.items.size())});
      it = seg_end;
    }
    s.team_offsets.push_back(int(s.items.size()));
  }
  // Items are in (head, tile) order, so each head's slots are contiguous.
  s.slot_offsets.assign(std::size_t(heads) + 1, 0);
  for (const auto& item : s.items) ++s.slot_offsets[std::size_t(item.b) * heads_kv + item.hk + 1];
  for (std::size_t h = 0; h < std::size_t(heads); ++h) s.slot_offsets[h + 1] += s.slot_offsets[h];
  return s;
}

DecodeLanesLayout DecodeLanesLayout::make(const AttentionShape& s, int lanes, int groups,
                                          std::size_t budget, int elem_bytes) {
  const int rows = s.group() * s.seq_q;
  const int widest = std::max(s.head_dim, s.value_dim);
  const auto row_lanes_at = [&](int width) { return lanes == 1 ? 1 : lanes * 4 / width; };
  const auto slots_at = [&](int width) {
    const int per_slot = row_lanes_at(width) * width;
    return (widest + per_slot - 1) / per_slot;
  };
  const auto with_groups = [&](DecodeLanesLayout lay) -> DecodeLanesLayout {
    int floats = lay.block_rows * (s.value_dim + 2);
    // Key lanes: a step's weights [key][row] share the slot; 16-byte rows of them.
    if (lay.key_lanes()) floats = (std::max(floats, lay.keys_per_step() * lay.rows) + 3) / 4 * 4;
    lay.group_floats = floats;
    const auto bytes_at = [&](int g) {
      return (std::size_t(g) * floats + lay.query_floats(s)) * sizeof(float) + 16;  // + slack
    };
    lay.groups = std::max(1, groups);
    while (lay.groups > 1 && bytes_at(lay.groups) > budget) lay.groups /= 2;
    if (bytes_at(lay.groups) > budget) return {};
    lay.bytes = int(bytes_at(lay.groups));
    return lay;
  };
  // 8-element slots (16-bit rows) where their register rows allow, else 4-element ones; register
  // rows times slots stay within 8, so a block holds 8 rows of one slot or 4 of two.
  for (int width : {8, 4}) {
    if ((width == 8 && elem_bytes != 2) || s.head_dim % width != 0 || s.value_dim % width != 0)
      continue;
    const int slots = slots_at(width);
    if (slots > kMaxSlots) continue;
    DecodeLanesLayout lay;
    lay.row_blocks = (rows + kDecodeLanesMaxRows / slots - 1) / (kDecodeLanesMaxRows / slots);
    if (lay.row_blocks > kDecodeLanesMaxRowBlocks) continue;
    lay.block_rows = (rows + lay.row_blocks - 1) / lay.row_blocks;  // balanced blocks
    lay.rows = lay.block_rows == 1 ? 1 : lay.block_rows <= 4 ? 4 : 8;
    if (width == 8 && !(lay.rows == 1 || (lay.rows == 4 && slots == 1))) continue;
    if (key_lanes_at(lay.rows, slots) && s.head_dim % key_piece(lanes, elem_bytes) != 0) continue;
    lay.lanes = lanes;
    lay.width = width;
    lay.row_lanes = row_lanes_at(width);
    lay.slots = slots;
    return with_groups(lay);
  }
  return {};
}

}  // namespace moat::attention
