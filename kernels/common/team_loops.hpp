#pragma once
// A team's loop over a rows x cols block. Device teams split the flattened range over their
// threads (consecutive threads take consecutive columns: coalesced). Host teams have one thread,
// for which the flattened form costs an integer division per element (about 5% of a host flash
// tile's time); they run the plain nested loops.
#include "kernels/common/views.hpp"

namespace moat {

template <class F>
KOKKOS_INLINE_FUNCTION void team_for_rows_cols(const TeamMember& team, int rows, int cols,
                                               const F& f) {
  if constexpr (kExecOnHost) {
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](int r) {
      for (int c = 0; c < cols; ++c) f(r, c);
    });
  } else {
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows * cols),
                         [&](int idx) { f(idx / cols, idx % cols); });
  }
}

}  // namespace moat
