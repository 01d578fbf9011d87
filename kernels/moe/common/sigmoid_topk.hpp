#pragma once
// sigma-MoE selection (Csordas et al. 2023), shared by moe.sigma_moe and moe.moeut: the k largest
// sigmoid(logit) (ties: lower index), weight = the sigmoid score itself (no renormalization).
#include <cmath>
#include <vector>

#include "kernels/common/compat.hpp"
#include "kernels/moe/common/host_route.hpp"

namespace moat::moe {

struct SigmoidTopK {
  KOKKOS_INLINE_FUNCTION void operator()(float* row, int experts, int k, int* idx,
                                         float* w) const {
    for (int s = 0; s < k; ++s) {
      int best = -1;
      for (int e = 0; e < experts; ++e) {
        bool taken = false;
        for (int q = 0; q < s; ++q) taken = taken || idx[q] == e;
        if (!taken && (best < 0 || row[e] > row[best])) best = e;
      }
      idx[s] = best;
      w[s] = 1.f / (1.f + kx::exp(-row[best]));
    }
  }
};

inline Slots sigmoid_topk_ref(const std::vector<double>& logits, int experts, int k) {
  Slots out;
  std::vector<bool> taken(experts, false);
  for (int s = 0; s < k; ++s) {
    int best = -1;
    for (int e = 0; e < experts; ++e)
      if (!taken[e] && (best < 0 || logits[e] > logits[best])) best = e;
    taken[best] = true;
    out.push_back({best, 1.0 / (1.0 + std::exp(-logits[best]))});
  }
  return out;
}

}  // namespace moat::moe
