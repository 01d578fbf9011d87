#pragma once
// Causal (bottom-right aligned: query i is token i + seq_kv - seq_q) or full attention, as a
// flash-skeleton policy whose mask is exactly the key range. Variants that add hooks (a sink
// logit, an output gate, values read from the keys) derive from it.
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/compat.hpp"

namespace moat::attention {

struct CausalOrFull {
  int seq_kv;
  int offset;  // seq_kv - seq_q
  bool causal;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return causal ? kx::min(seq_kv, i + offset + 1) : seq_kv;
  }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    return !causal || j <= i + offset;
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }

  static CausalOrFull of(const AttentionShape& s, bool causal) {
    return {s.seq_kv, s.seq_kv - s.seq_q, causal};
  }
};

}  // namespace moat::attention
