#pragma once
// The (max, normalizer, partial output) state of online softmax and its merge. Shared by the
// flash skeleton (one state per row across key tiles) and split-KV decode (states across splits).
#include "kernels/common/compat.hpp"

namespace moat::attention {

struct OnlineSoftmaxState {
  float m;  // running max of logits seen (lowest_float() when none)
  float l;  // sum of exp(logit - m)

  // Moves the state to a new max candidate; returns the factor that rescales partial outputs.
  KOKKOS_INLINE_FUNCTION float rescale_to(float candidate_max) {
    const float m_new = kx::max(m, candidate_max);
    const float alpha = m == kx::lowest_float() ? 0.f : kx::exp(m - m_new);
    l *= alpha;
    m = m_new;
    return alpha;
  }
};

// Merges state b into a; returns the factors (wa, wb) that weight a's and b's partial outputs:
// o = wa * o_a + wb * o_b, with both partial outputs unnormalized.
KOKKOS_INLINE_FUNCTION void merge_states(OnlineSoftmaxState& a, const OnlineSoftmaxState& b,
                                         float& wa, float& wb) {
  const float m = kx::max(a.m, b.m);
  wa = a.m == kx::lowest_float() ? 0.f : kx::exp(a.m - m);
  wb = b.m == kx::lowest_float() ? 0.f : kx::exp(b.m - m);
  a.l = a.l * wa + b.l * wb;
  a.m = m;
}

}  // namespace moat::attention
