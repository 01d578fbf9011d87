#pragma once
// Dispatch and combine: group (token, slot) assignments by expert so each expert's rows are
// contiguous, then scatter the weighted expert outputs back to tokens. Slots with idx < 0 are
// dropped (capacity) and contribute nothing; the combine rule for dropped tokens is the
// variant's (pass-through residual is added by the caller).
#include <vector>

#include "kernels/common/views.hpp"

namespace moat::moe {

struct Dispatch {
  View1<int> counts;     // [experts]
  View1<int> offsets;    // [experts + 1]
  View1<int> cursor;     // [experts] scratch for placement
  View1<int> row_token;  // [assignments] token of each permuted row
  View2<int> position;   // [tokens][k] permuted row of each assignment (-1: dropped)
  std::vector<int> host_offsets;

  Dispatch(int tokens, int k, int experts)
      : counts("counts", experts),
        offsets("offsets", experts + 1),
        cursor("cursor", experts),
        row_token("row_token", std::int64_t(tokens) * k),
        position("position", tokens, k) {}
};

// Row copies and sums over `hidden` columns: hosts walk each row (unit stride, no division);
// devices give each thread one (row, column) so a warp reads and writes contiguous columns.
// kFlat is a template switch so the tests run the device form on the host too.

// Fills counts/offsets/position/row_token from idx and gathers x rows into xp (permuted).
// Copies the offsets to the host (the grouped GEMM sizes its launch from them).
template <bool kFlat = !kExecOnHost>
void dispatch(const View2<const int>& idx, const View2<const float>& x, Dispatch& d,
              const View2<float>& xp) {
  const int tokens = int(idx.extent(0)), k = int(idx.extent(1)), hidden = int(x.extent(1));
  const int experts = int(d.counts.extent(0));
  auto counts = d.counts;
  auto offsets = d.offsets;
  auto cursor = d.cursor;
  auto position = d.position;
  auto row_token = d.row_token;
  Kokkos::deep_copy(counts, 0);
  Kokkos::parallel_for(
      "moat::moe::count", RangePolicy(0, tokens * k), KOKKOS_LAMBDA(int a) {
        const int e = idx(a / k, a % k);
        if (e >= 0) Kokkos::atomic_add(&counts(e), 1);
      });
  Kokkos::parallel_scan(
      "moat::moe::offsets", RangePolicy(0, experts + 1),
      KOKKOS_LAMBDA(int e, int& running, bool final) {
        if (final) offsets(e) = running;
        if (e < experts) running += counts(e);
      });
  Kokkos::deep_copy(cursor, Kokkos::subview(offsets, Kokkos::make_pair(0, experts)));
  Kokkos::parallel_for(
      "moat::moe::place", RangePolicy(0, tokens * k), KOKKOS_LAMBDA(int a) {
        const int t = a / k, s = a % k, e = idx(t, s);
        if (e < 0) {
          position(t, s) = -1;
          return;
        }
        const int p = Kokkos::atomic_fetch_add(&cursor(e), 1);
        position(t, s) = p;
        row_token(p) = t;
      });
  auto host = Kokkos::create_mirror_view(offsets);
  Kokkos::deep_copy(host, offsets);
  d.host_offsets.assign(host.data(), host.data() + experts + 1);
  const int rows = d.host_offsets.back();
  if constexpr (kFlat) {
    Kokkos::parallel_for(
        "moat::moe::gather", RangePolicy(0, std::int64_t(rows) * hidden),
        KOKKOS_LAMBDA(std::int64_t i) {
          const int p = int(i / hidden), h = int(i % hidden);
          xp(p, h) = x(row_token(p), h);
        });
  } else {
    Kokkos::parallel_for(
        "moat::moe::gather", RangePolicy(0, rows), KOKKOS_LAMBDA(int p) {
          const int t = row_token(p);
          for (int h = 0; h < hidden; ++h) xp(p, h) = x(t, h);
        });
  }
}

// out[t] = sum_s w[t][s] * yp[position[t][s]]  (dropped slots skipped).
template <bool kFlat = !kExecOnHost>
void combine(const View2<const float>& yp, const View2<const int>& position,
             const View2<const float>& w, const View2<float>& out) {
  const int k = int(position.extent(1)), hidden = int(out.extent(1));
  if constexpr (kFlat) {
    Kokkos::parallel_for(
        "moat::moe::combine", RangePolicy(0, std::int64_t(out.extent(0)) * hidden),
        KOKKOS_LAMBDA(std::int64_t i) {
          const int t = int(i / hidden), h = int(i % hidden);
          float acc = 0.f;
          for (int s = 0; s < k; ++s) {
            const int p = position(t, s);
            if (p >= 0) acc += w(t, s) * yp(p, h);
          }
          out(t, h) = acc;
        });
    return;
  }
  Kokkos::parallel_for(
      "moat::moe::combine", RangePolicy(0, int(out.extent(0))), KOKKOS_LAMBDA(int t) {
        float* __restrict__ o = &out(t, 0);
        for (int h = 0; h < hidden; ++h) o[h] = 0.f;
        for (int s = 0; s < k; ++s) {
          const int p = position(t, s);
          if (p < 0) continue;
          const float ws = w(t, s);
          const float* __restrict__ y = &yp(p, 0);
          for (int h = 0; h < hidden; ++h) o[h] += ws * y[h];
        }
      });
}

}  // namespace moat::moe
