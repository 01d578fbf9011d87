#pragma once
// The Policy contract of the flash skeleton (see flash.hpp): optional hooks detected at compile
// time, and the key spans a query tile reads. Shared by the host and device tile paths.
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

template <class P>
concept PolicyHasSpans = requires(const P& p, int& x) {
  p.span_count(0, 0, 0);
  p.span(0, 0, 0, 0, x, x);
};
template <class P>
concept PolicyHasSink = requires(const P& p) {
  p.sink_logit(0, 0);
};
template <class P>
concept PolicyHasFinish = requires(const P& p) {
  p.finish(0, 0, 0, 0, 0.f);
};
template <class P>
concept PolicyValuesFromKeys = requires {
  requires P::kValuesFromKeys;
};
template <class P>
concept PolicyRangeIsMask = requires {
  requires P::kRangeIsMask;
};
template <class P>
concept PolicyPlainScore = requires {
  requires P::kPlainScore;
};

// One score s of row i at key j, for a row whose keys lie in [kb, ke): the mask and score mod,
// lowest_float() when masked. Both tile paths apply a Policy through this and fully_visible().
template <class Policy>
KOKKOS_INLINE_FUNCTION float masked_score(const Policy& p, int b, int h, int i, int j, int kb,
                                          int ke, float s) {
  bool vis = j >= kb && j < ke;
  if constexpr (!PolicyRangeIsMask<Policy>) vis = vis && p.visible(b, h, i, j);
  if (!vis) return kx::lowest_float();
  if constexpr (PolicyPlainScore<Policy>)
    return s;
  else
    return p.score(b, h, i, j, s);
}

// Whether keys [k0, k0 + cols) are all visible to a row with key range [kb, ke) and keep their
// scores: the per-key pass can be skipped.
template <class Policy>
KOKKOS_INLINE_FUNCTION bool fully_visible(int kb, int ke, int k0, int cols) {
  if constexpr (PolicyRangeIsMask<Policy> && PolicyPlainScore<Policy>)
    return kb <= k0 && k0 + cols <= ke;
  else
    return false;
}

// Key spans a query tile reads: the listed ones, or the union of its rows' [key_begin, key_end).
template <class Policy>
struct TileSpans {
  const Policy& p;
  int b, h, qt, i0, rows, seq_kv;
  int lo = 0, hi = 0;  // contiguous case

  KOKKOS_INLINE_FUNCTION TileSpans(const Policy& pol, int b_, int h_, int qt_, int i0_, int rows_,
                                   int n)
      : p(pol), b(b_), h(h_), qt(qt_), i0(i0_), rows(rows_), seq_kv(n) {
    if constexpr (!PolicyHasSpans<Policy>) {
      lo = seq_kv;
      for (int r = 0; r < rows; ++r) {
        lo = kx::min(lo, p.key_begin(b, h, i0 + r));
        hi = kx::max(hi, p.key_end(b, h, i0 + r));
      }
      lo = kx::max(lo, 0);
      hi = kx::min(hi, seq_kv);
    }
  }
  KOKKOS_INLINE_FUNCTION int count() const {
    if constexpr (PolicyHasSpans<Policy>)
      return p.span_count(b, h, qt);
    else
      return hi > lo ? 1 : 0;
  }
  KOKKOS_INLINE_FUNCTION void get(int t, int& begin, int& end) const {
    if constexpr (PolicyHasSpans<Policy>) {
      p.span(b, h, qt, t, begin, end);
      begin = kx::max(begin, 0);
      end = kx::min(end, seq_kv);
    } else {
      (void)t;
      begin = lo;
      end = hi;
    }
  }
  // Calls f(k0, cols) once per 64-aligned key tile touched by any span, in order, never twice.
  template <class F>
  KOKKOS_FORCEINLINE_FUNCTION void for_each_tile(const F& f) const {
    int done = -1;  // last tile index processed (spans are sorted; adjacent ones share tiles)
    for (int t = 0; t < count(); ++t) {
      int begin, end;
      get(t, begin, end);
      if (end <= begin) continue;
      for (int tile = kx::max(begin / kKeyTile, done + 1); tile * kKeyTile < end; ++tile) {
        const int k0 = tile * kKeyTile;
        f(k0, kx::min(kKeyTile, seq_kv - k0));
        done = tile;
      }
    }
  }
};

}  // namespace moat::attention
