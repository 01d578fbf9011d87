#pragma once
// Work decomposition of the decode skeleton (Kokkos-free: the kernels and the cost model both
// use it). Phase 1 runs items: keys [begin, end) of one KV head (b, hk) for every query row of
// its group, producing one partial online-softmax state per row in partial slot `slot`. Phase 2
// merges, per (b, hk), its slots [slot_offsets[b*heads_kv+hk], slot_offsets[...+1]).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/attention/common/shape.hpp"

namespace moat::attention {

// Keys per step of the decode skeleton; split and stream-K boundaries are multiples of it.
inline constexpr int kDecodeKeyTile = 64;

struct DecodeItem {
  int b, hk, begin, end, slot;
};

struct DecodeSchedule {
  std::vector<DecodeItem> items;  // in team order
  std::vector<int> team_offsets;  // team t runs items [team_offsets[t], team_offsets[t+1])
  std::vector<int> slot_offsets;  // size batch*heads_kv + 1
  int teams() const { return int(team_offsets.size()) - 1; }
  int slots() const { return slot_offsets.empty() ? 0 : slot_offsets.back(); }
};

// GPU phase 1 (decode_lanes.hpp): each key row spread over `lanes` threads that hold query rows
// and output accumulators in registers, so K/V rows are read once, with no staging. A team holds
// at most kDecodeLanesMaxRows register rows; larger groups (GQA 16, multi-token steps) are cut
// into row blocks, one team each, launched side by side so that their re-reads of the same K/V
// rows come from L2. Beyond kDecodeLanesMaxRowBlocks blocks, or for rows wider than two slots,
// key tiles are staged in scratch instead (decode_staged.hpp).
inline constexpr int kDecodeLanesMaxRows = 8;
inline constexpr int kDecodeLanesMaxRowBlocks = 8;
// Keys per lane and step of key-lanes layouts (8 register rows of one slot): each lane scores
// its own keys, so a warp takes 64 keys a step.
inline constexpr int kDecodeKeyLanesKeys = 2;

// How teams of the lanes kernel split an item; lanes = 0 when the kernel does not apply.
struct DecodeLanesLayout {
  static constexpr int kMaxSlots = 2;
  int lanes = 0;      // threads of a warp: 32 on GPUs, 1 on host teams
  int width = 0;      // elements per lane, slot and load: 4, or 8 (16-byte loads) for 16-bit rows
  int row_lanes = 0;  // threads per key row: 32 / (width / 4) on GPUs, so a warp takes
                      // lanes / row_lanes keys at once (two 16-bit rows); 1 on host teams
  int groups = 0;     // key groups per team
  int rows = 0;       // register rows R: 1, 4 or 8 (>= block_rows; extra rows masked)
  int row_blocks = 0;  // teams per item: the group's query rows cut into blocks of block_rows
  int block_rows = 0;  // query rows per block (the last block may hold fewer)
  int slots = 0;       // width-element slots per lane and row: 1 or kMaxSlots
  int group_floats = 0;  // level-0 scratch per group: its (m, l, o) state of block_rows rows
                         // (key lanes: also, at other times, a step's weights)
  int bytes = 0;  // level-0 scratch: the groups', the query rows (key lanes), alignment slack

  int threads() const { return lanes * groups; }
  int keys_at_once() const { return lanes / row_lanes; }
  // 8 register rows of one slot score keys a lane each (decode_lanes.hpp): a warp-wide dot per
  // (key, row) would cost ~20 instructions where 8 are multiply-adds.
  bool key_lanes() const { return key_lanes_at(rows, slots); }
  static constexpr bool key_lanes_at(int rows, int slots) {
    return rows == kDecodeLanesMaxRows && slots == 1;
  }
  // K elements a lane loads at once in key lanes: 16 bytes on GPUs; 4 on host teams (one lane).
  static constexpr int key_piece(int lanes, int elem_bytes) {
    return lanes == 1 ? 4 : 16 / elem_bytes;
  }
  // Keys a warp takes per step (key lanes: kDecodeKeyLanesKeys per lane).
  int keys_per_step() const { return key_lanes() ? kDecodeKeyLanesKeys * lanes : keys_at_once(); }
  // Floats of the query rows in scratch after the groups' (key lanes), else 0.
  int query_floats(const AttentionShape& s) const { return key_lanes() ? rows * s.head_dim : 0; }

  // lanes: 32 on GPUs, 1 on host teams; groups: key groups wanted (halved to fit `budget`);
  // elem_bytes: the K/V storage element size. Register rows times slots stay within 8 (128
  // registers per thread), so blocks hold up to 8 rows of one slot or 4 of two. 16-bit rows of
  // one register row (MHA), or of four (GQA groups up to 4) in one slot, take 8-element slots: a
  // warp then holds two keys of head_dim 128 at once, one per half-warp, so each reduction and
  // softmax instruction serves two keys. Others take 4 (8 rows, or 4 rows of two slots, would
  // spill). Key-lanes layouts load K in 16-byte pieces per lane: 16-bit rows need a head_dim of
  // whole 8-element pieces on GPUs (else the staged kernel runs).
  static DecodeLanesLayout make(const AttentionShape& s, int lanes, int groups, std::size_t budget,
                                int elem_bytes);
};

// Flash-decoding: each head's keys [0, keys) cut into n_splits tile-aligned chunks (trailing
// chunks may be empty when keys are few), one team per chunk.
DecodeSchedule split_kv_schedule(int batch, int heads_kv, int keys, int n_splits);

// Lean Attention stream-K: the batch*heads_kv*tiles (head, key tile) iterations are cut into
// `workers` contiguous ranges of equal size (+-1 tile); a range crossing a head boundary yields one
// item (and one partial) per head it touches. One team per worker.
DecodeSchedule lean_schedule(int batch, int heads_kv, int keys, int workers);

}  // namespace moat::attention
