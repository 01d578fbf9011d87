#pragma once
// Block geometry shared by the block-sparse selectors (Kokkos-free, usable on the device).
// Keys are cut into blocks of `block` tokens. Query positions p = i + (seq_kv - seq_q) are cut
// into groups of `group` positions that share one list of selected key blocks (group 1: one list
// per query token, as in MoBA; group = block: one list per query block, as in SeerAttention).
// Causal: a group's "current" block is the key block holding its last position; it is always
// selected and the selector ranks only the blocks before it (none in the future).
// Requires seq_q <= seq_kv (self-attention, chunked prefill, decode).
#include "core/host_device.hpp"

namespace moat::attention {

struct BlockGeometry {
  int seq_q = 1, seq_kv = 1, block = 64, group = 1;
  bool causal = true;

  MOAT_HOST_DEVICE int offset() const { return seq_kv - seq_q; }
  MOAT_HOST_DEVICE int key_blocks() const { return (seq_kv + block - 1) / block; }
  MOAT_HOST_DEVICE int first_group() const { return offset() / group; }
  MOAT_HOST_DEVICE int groups() const { return (seq_kv - 1) / group - first_group() + 1; }
  MOAT_HOST_DEVICE int group_of_row(int i) const { return (i + offset()) / group; }
  // Rows [row_begin, row_end) of group g.
  MOAT_HOST_DEVICE int row_begin(int g) const {
    const int r = g * group - offset();
    return r > 0 ? r : 0;
  }
  MOAT_HOST_DEVICE int row_end(int g) const {
    const int r = (g + 1) * group - offset();
    return r < seq_q ? r : seq_q;
  }
  // Causal: the block of the group's last position (forced); else -1 (nothing forced).
  MOAT_HOST_DEVICE int current_block(int g) const {
    if (!causal) return -1;
    int last = (g + 1) * group - 1;
    if (last > seq_kv - 1) last = seq_kv - 1;
    return last / block;
  }
  // The gate ranks candidate blocks [0, candidates(g)).
  MOAT_HOST_DEVICE int candidates(int g) const { return causal ? current_block(g) : key_blocks(); }
  // How many candidates a list of at most top_k entries picks (the forced block takes one slot).
  MOAT_HOST_DEVICE int picks(int g, int top_k) const {
    const int want = causal ? top_k - 1 : top_k;
    const int c = candidates(g);
    return want < c ? want : c;
  }
  // Entries per row list (forced + picks, at most).
  MOAT_HOST_DEVICE int list_width(int top_k) const {
    return top_k < key_blocks() ? top_k : key_blocks();
  }
};

}  // namespace moat::attention
