#pragma once
// Device stages between the router logits and dispatch, in pipeline order:
//   policy (per token, or a cross-token router) | forced draw -> capacity -> shared experts.
// Each has a float64 twin in host_route.hpp.
#include "kernels/common/views.hpp"
#include "kernels/moe/common/layer_config.hpp"

namespace moat::moe {

// Per-token policy over every token: it reads the token's whole logits row (which it may
// overwrite) and writes its slots of idx / w. `experts` is the routed count, `k` the top-k.
template <class Select>
void select_routed(const View2<float>& logits, const View2<int>& idx, const View2<float>& w,
                   Select select, int experts, int k) {
  Kokkos::parallel_for(
      "moat::moe::select_routed", RangePolicy(0, int(logits.extent(0))),
      KOKKOS_LAMBDA(int t) { select(&logits(t, 0), experts, k, &idx(t, 0), &w(t, 0)); });
}

// The routing override of LayerConfig::routing: experts come from `forced` [tokens][k]; weights are
// the softmax of their logits, renormalized over the k drawn experts.
inline void forced_select(const View2<const float>& logits, const View2<const int>& forced,
                          const View2<int>& idx, const View2<float>& w) {
  const int k = int(forced.extent(1));
  Kokkos::parallel_for(
      "moat::moe::forced_select", RangePolicy(0, int(logits.extent(0))), KOKKOS_LAMBDA(int t) {
        float m = logits(t, forced(t, 0));
        for (int s = 1; s < k; ++s) m = kx::max(m, logits(t, forced(t, s)));
        float sum = 0.f;
        for (int s = 0; s < k; ++s) {
          idx(t, s) = forced(t, s);
          w(t, s) = kx::exp(logits(t, forced(t, s)) - m);
          sum += w(t, s);
        }
        for (int s = 0; s < k; ++s) w(t, s) /= sum;
      });
}

// Drops routed assignments beyond each expert's capacity. Priority: slot 0 of every token in
// token order, then slot 1, ... (GShard Algorithm 1; DeepSpeed top2gating's cumsum order). One
// thread per expert walks the (slot, token) order, so the outcome does not depend on the
// backend's scheduling. Dropped slots get idx -1 and weight 0.
inline void apply_capacity(const View2<int>& idx, const View2<float>& w, int policy_slots,
                           int experts, const CapacityRule& rule) {
  if (!rule.enabled) return;
  const int tokens = int(idx.extent(0)), cap = rule.capacity;
  Kokkos::parallel_for(
      "moat::moe::capacity", RangePolicy(0, experts), KOKKOS_LAMBDA(int e) {
        int taken = 0;
        for (int s = 0; s < policy_slots; ++s)
          for (int t = 0; t < tokens; ++t) {
            if (idx(t, s) != e) continue;
            if (taken < cap) {
              ++taken;
            } else {
              idx(t, s) = -1;
              w(t, s) = 0.f;
            }
          }
      });
  if (!rule.renormalize_kept) return;
  Kokkos::parallel_for(
      "moat::moe::renormalize_kept", RangePolicy(0, tokens), KOKKOS_LAMBDA(int t) {
        float sum = 0.f;
        for (int s = 0; s < policy_slots; ++s) sum += idx(t, s) >= 0 ? w(t, s) : 0.f;
        if (sum > 0.f)
          for (int s = 0; s < policy_slots; ++s) w(t, s) /= sum;
      });
}

// Always-on shared experts in the slots after the policy's: weight 1, or sigmoid of their gate
// logit (Qwen2-MoE's shared_expert_gate).
inline void append_shared(const View2<const float>& logits, const View2<int>& idx,
                          const View2<float>& w, const LayerConfig& cfg) {
  if (cfg.shared == 0) return;
  const int ps = cfg.slots_of_policy(), n = cfg.shared, first = cfg.shared_expert(0);
  const int gate_col = cfg.shared_gate_column(0);
  const bool gated = cfg.shared_gated;
  Kokkos::parallel_for(
      "moat::moe::append_shared", RangePolicy(0, int(idx.extent(0))), KOKKOS_LAMBDA(int t) {
        for (int j = 0; j < n; ++j) {
          idx(t, ps + j) = first + j;
          w(t, ps + j) = gated ? 1.f / (1.f + kx::exp(-logits(t, gate_col + j))) : 1.f;
        }
      });
}

}  // namespace moat::moe
