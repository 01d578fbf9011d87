#pragma once
// Float64 reference of a routed MoE layer, one token at a time: router logits, the variant's
// selection, each chosen expert's FFN in full, weighted sum. Slow and obviously correct.
#include <cmath>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "kernels/moe/common/shape.hpp"

namespace moat::moe {

struct HostWeights {
  std::vector<float> x, router, w_gate, w_up, w_down;  // layouts as in shape.hpp
};

// (expert, weight) pairs chosen for one token from its logits; expert < 0 means dropped.
using HostSelect = std::function<std::vector<std::pair<int, double>>(const std::vector<double>&)>;
using HostActivation = double (*)(double gate, double up);

inline std::vector<double> oracle_router_logits(const MoeShape& s, const HostWeights& w, int t) {
  std::vector<double> logits(s.experts, 0.0);
  for (int h = 0; h < s.hidden; ++h)
    for (int e = 0; e < s.experts; ++e)
      logits[e] += double(w.x[std::size_t(t) * s.hidden + h]) * w.router[std::size_t(h) * s.experts + e];
  return logits;
}

// One expert's FFN on one input row, in double.
inline std::vector<double> oracle_expert_ffn(const MoeShape& s, const HostWeights& w, int e,
                                             const float* row, bool gated, HostActivation act) {
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

inline std::vector<double> oracle_moe_tokens(const MoeShape& s, const HostWeights& w,
                                             const std::vector<std::int64_t>& tokens,
                                             const HostSelect& select, bool gated,
                                             HostActivation act) {
  std::vector<double> out;
  out.reserve(tokens.size() * s.hidden);
  for (auto t : tokens) {
    std::vector<double> acc(s.hidden, 0.0);
    for (auto [e, weight] : select(oracle_router_logits(s, w, int(t)))) {
      if (e < 0) continue;
      auto y = oracle_expert_ffn(s, w, e, &w.x[std::size_t(t) * s.hidden], gated, act);
      for (int h = 0; h < s.hidden; ++h) acc[h] += weight * y[h];
    }
    out.insert(out.end(), acc.begin(), acc.end());
  }
  return out;
}

// Host twin of SoftmaxTopK.
inline std::vector<std::pair<int, double>> softmax_topk_ref(const std::vector<double>& logits,
                                                            int k, bool renormalize) {
  const int n = int(logits.size());
  double m = logits[0];
  for (double v : logits) m = std::max(m, v);
  std::vector<double> p(n);
  double sum = 0;
  for (int e = 0; e < n; ++e) sum += p[e] = std::exp(logits[e] - m);
  std::vector<std::pair<int, double>> chosen;
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
