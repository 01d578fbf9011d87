#pragma once
// Float64 reference of a routed MoE layer, one token at a time: each chosen expert's FFN in
// full, weighted sum (routing: host_route.hpp). Slow and obviously correct.
#include <cmath>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "kernels/moe/common/host_route.hpp"
#include "kernels/moe/common/shape.hpp"

namespace moat::moe {

struct HostWeights {
  std::vector<float> router, w_gate, w_up, w_down;  // layouts as in shape.hpp
};

using HostActivation = double (*)(double gate, double up);

// One expert's FFN on one input row (float inputs, or double for layers whose expert inputs
// are themselves computed: Soft MoE slots, MH-MoE sub-tokens), in double.
template <class T>
std::vector<double> oracle_expert_ffn(const MoeShape& s, const HostWeights& w, int e,
                                      const T* row, bool gated, HostActivation act) {
  std::vector<double> hmid(s.ffn);
  const std::size_t base = std::size_t(e) * s.hidden * s.ffn;
  for (int f = 0; f < s.ffn; ++f) {
    double g = 0, u = 0;
    for (int h = 0; h < s.hidden; ++h) {
      g += double(row[h]) * w.w_gate[base + std::size_t(h) * s.ffn + f];
      if (gated) u += double(row[h]) * w.w_up[base + std::size_t(h) * s.ffn + f];
    }
    hmid[f] = act(g, u);
  }
  std::vector<double> y(s.hidden, 0.0);
  const std::size_t dbase = std::size_t(e) * s.ffn * s.hidden;
  for (int f = 0; f < s.ffn; ++f)
    for (int h = 0; h < s.hidden; ++h) y[h] += hmid[f] * w.w_down[dbase + std::size_t(f) * s.hidden + h];
  return y;
}

// sum over slots of weight * expert_ffn(row): one token's layer output (dropped slots skipped).
inline std::vector<double> oracle_combine(const MoeShape& s, const HostWeights& w,
                                          const float* row, const Slots& slots, bool gated,
                                          HostActivation act) {
  std::vector<double> acc(s.hidden, 0.0);
  for (auto [e, weight] : slots) {
    if (e < 0) continue;
    auto y = oracle_expert_ffn(s, w, e, row, gated, act);
    for (int h = 0; h < s.hidden; ++h) acc[h] += weight * y[h];
  }
  return acc;
}

// Host twin of SoftmaxTopK.
// `experts`: leading logits that are expert scores (0: all of them).
inline Slots softmax_topk_ref(const std::vector<double>& logits, int k, bool renormalize,
                              int experts = 0) {
  const int n = experts > 0 ? experts : int(logits.size());
  double m = logits[0];
  for (int e = 0; e < n; ++e) m = std::max(m, logits[e]);
  std::vector<double> p(n);
  double sum = 0;
  for (int e = 0; e < n; ++e) sum += p[e] = std::exp(logits[e] - m);
  Slots chosen;
  std::vector<bool> taken(n, false);
  double chosen_sum = 0;
  for (int s = 0; s < k; ++s) {
    int best = -1;
    for (int e = 0; e < n; ++e)
      if (!taken[e] && (best < 0 || p[e] > p[best])) best = e;
    taken[best] = true;
    chosen.push_back({best, p[best] / sum});
    chosen_sum += p[best] / sum;
  }
  if (renormalize)
    for (auto& c : chosen) c.second /= chosen_sum;
  return chosen;
}

}  // namespace moat::moe
