#pragma once
// Router scores and expert selection. Scores: logits = x W_router (one GEMM). Selection policies
// turn a row of logits into (expert, weight) pairs; variants add their own policy structs.
#include "kernels/common/views.hpp"
#include "kernels/moe/common/tiled_gemm.hpp"

namespace moat::moe {

// logits[t][e] = sum_h x[t][h] * router[h][e]
inline void router_logits(const View2<const float>& x, const View2<const float>& router,
                          const View2<float>& logits) {
  if constexpr (!kExecOnHost) {  // one thread per token would leave the GPU idle
    tiled_dense_gemm<DeviceGemmTiling>(x, router, logits);
    return;
  }
  const int hidden = int(x.extent(1)), experts = int(router.extent(1));
  Kokkos::parallel_for(
      "moat::moe::router_logits", RangePolicy(0, int(x.extent(0))), KOKKOS_LAMBDA(int t) {
        float* __restrict__ row = &logits(t, 0);
        for (int e = 0; e < experts; ++e) row[e] = 0.f;
        for (int h = 0; h < hidden; ++h) {
          const float xv = x(t, h);
          const float* __restrict__ w = &router(h, 0);
          for (int e = 0; e < experts; ++e) row[e] += xv * w[e];
        }
      });
}

// Softmax over all experts, then the k largest probabilities (ties: lower index first);
// weights renormalized over the chosen k when `renormalize` (Mixtral, Qwen3) else raw (Switch).
struct SoftmaxTopK {
  bool renormalize = true;
  KOKKOS_INLINE_FUNCTION void operator()(float* row, int experts, int k, int* idx, float* w) const {
    float m = row[0];
    for (int e = 1; e < experts; ++e) m = kx::max(m, row[e]);
    float sum = 0.f;
    for (int e = 0; e < experts; ++e) {
      row[e] = kx::exp(row[e] - m);
      sum += row[e];
    }
    float chosen = 0.f;
    for (int s = 0; s < k; ++s) {
      int best = -1;
      float best_v = -1.f;
      for (int e = 0; e < experts; ++e) {
        bool taken = false;
        for (int q = 0; q < s; ++q) taken = taken || idx[q] == e;
        if (!taken && row[e] > best_v) {
          best_v = row[e];
          best = e;
        }
      }
      idx[s] = best;
      w[s] = best_v / sum;
      chosen += w[s];
    }
    if (renormalize)
      for (int s = 0; s < k; ++s) w[s] /= chosen;
  }
};

// Applies a selection policy to every token's logits row (the row is overwritten in place).
template <class Select>
void select_experts(const View2<float>& logits, const View2<int>& idx, const View2<float>& w,
                    Select select) {
  const int experts = int(logits.extent(1)), k = int(idx.extent(1));
  Kokkos::parallel_for(
      "moat::moe::select_experts", RangePolicy(0, int(logits.extent(0))),
      KOKKOS_LAMBDA(int t) { select(&logits(t, 0), experts, k, &idx(t, 0), &w(t, 0)); });
}

}  // namespace moat::moe
