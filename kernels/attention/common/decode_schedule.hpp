#pragma once
// Work decomposition of the decode skeleton (Kokkos-free: the kernels and the cost model both
// use it). Phase 1 runs items: keys [begin, end) of one KV head (b, hk) for every query row of
// its group, producing one partial online-softmax state per row in partial slot `slot`. Phase 2
// merges, per (b, hk), its slots [slot_offsets[b*heads_kv+hk], slot_offsets[...+1]).
#include <cstdint>
#include <vector>

namespace moat::attention {

// Keys per step of the decode skeleton; split and stream-K boundaries are multiples of it.
inline constexpr int kDecodeKeyTile = 64;

struct DecodeItem {
  int b, hk, begin, end, slot;
};

struct DecodeSchedule {
  std::vector<DecodeItem> items;   // in team order
  std::vector<int> team_offsets;   // team t runs items [team_offsets[t], team_offsets[t+1])
  std::vector<int> slot_offsets;   // size batch*heads_kv + 1
  int teams() const { return int(team_offsets.size()) - 1; }
  int slots() const { return slot_offsets.empty() ? 0 : slot_offsets.back(); }
};

// Flash-decoding: each head's keys [0, keys) cut into n_splits tile-aligned chunks (trailing
// chunks may be empty when keys are few), one team per chunk.
DecodeSchedule split_kv_schedule(int batch, int heads_kv, int keys, int n_splits);

// Lean Attention stream-K: the batch*heads_kv*tiles (head, key tile) iterations are cut into
// `workers` contiguous ranges of equal size (+-1 tile); a range crossing a head boundary yields one
// item (and one partial) per head it touches. One team per worker.
DecodeSchedule lean_schedule(int batch, int heads_kv, int keys, int workers);

}  // namespace moat::attention
