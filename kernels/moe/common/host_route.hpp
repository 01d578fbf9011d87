#pragma once
// Float64 twins of the routing stages (stages.hpp), for the oracle. A HostRouter returns the
// policy's (expert, weight) slots of the requested tokens from their logits; cross-token routers
// may read any token's logits through HostLogits.
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "kernels/moe/common/layer_config.hpp"

namespace moat::moe {

using Slots = std::vector<std::pair<int, double>>;  // expert < 0: dropped

// Router logits of any token, x [tokens][hidden] times router [hidden][width], computed in double
// on first use.
class HostLogits {
 public:
  HostLogits(int hidden, int width, const std::vector<float>& x, const std::vector<float>& router)
      : hidden_(hidden), width_(width), x_(x), router_(router) {}
  int tokens() const { return int(x_.size() / std::size_t(hidden_)); }
  int hidden() const { return hidden_; }
  const float* x(int t) const { return &x_[std::size_t(t) * hidden_]; }
  const std::vector<double>& row(int t) {
    auto it = cache_.find(t);
    if (it != cache_.end()) return it->second;
    std::vector<double> l(width_, 0.0);
    for (int h = 0; h < hidden_; ++h) {
      const double xv = x_[std::size_t(t) * hidden_ + h];
      for (int e = 0; e < width_; ++e) l[e] += xv * router_[std::size_t(h) * width_ + e];
    }
    return cache_.emplace(t, std::move(l)).first->second;
  }

 private:
  int hidden_, width_;
  const std::vector<float>& x_;
  const std::vector<float>& router_;
  std::map<int, std::vector<double>> cache_;
};

using HostSelect = std::function<Slots(const std::vector<double>& logits)>;
using HostRouter = std::function<std::vector<Slots>(HostLogits&, const std::vector<int>& tokens)>;

inline HostRouter per_token(HostSelect select) {
  return [select](HostLogits& l, const std::vector<int>& tokens) {
    std::vector<Slots> out;
    for (int t : tokens) out.push_back(select(l.row(t)));
    return out;
  };
}

inline Slots forced_select_ref(const std::vector<double>& logits, const int* forced, int k) {
  double m = logits[forced[0]];
  for (int s = 1; s < k; ++s) m = std::max(m, logits[forced[s]]);
  double sum = 0;
  for (int s = 0; s < k; ++s) sum += std::exp(logits[forced[s]] - m);
  Slots out;
  for (int s = 0; s < k; ++s) out.push_back({forced[s], std::exp(logits[forced[s]] - m) / sum});
  return out;
}

// `all` holds every token's slots in token order.
inline void apply_capacity_ref(std::vector<Slots>& all, int experts, const CapacityRule& rule) {
  if (!rule.enabled) return;
  std::vector<int> taken(experts, 0);
  const std::size_t slots = all.empty() ? 0 : all[0].size();
  for (std::size_t s = 0; s < slots; ++s)
    for (auto& token : all) {
      auto& [e, w] = token[s];
      if (e < 0 || e >= experts) continue;
      if (taken[e] < rule.capacity) {
        ++taken[e];
      } else {
        e = -1;
        w = 0;
      }
    }
  if (!rule.renormalize_kept) return;
  for (auto& token : all) {
    double sum = 0;
    for (auto& [e, w] : token) sum += e >= 0 ? w : 0;
    if (sum > 0)
      for (auto& sw : token) sw.second /= sum;
  }
}

// Slots of the requested tokens after the policy (or forced draw), capacity and shared experts.
inline std::vector<Slots> route_ref(const LayerConfig& cfg, const HostRouter& router,
                                    const std::vector<int>& forced, HostLogits& logits,
                                    const std::vector<int>& tokens) {
  std::vector<int> need = tokens;
  if (cfg.capacity.enabled) {  // capacity depends on every earlier token
    need.clear();
    for (int t = 0; t < logits.tokens(); ++t) need.push_back(t);
  }
  std::vector<Slots> routed;
  if (cfg.routing.forced()) {
    const int k = cfg.shape.top_k;
    for (int t : need) routed.push_back(forced_select_ref(logits.row(t), &forced[std::size_t(t) * k], k));
  } else {
    routed = router(logits, need);
  }
  apply_capacity_ref(routed, cfg.shape.experts, cfg.capacity);
  std::vector<Slots> out;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    Slots s = cfg.capacity.enabled ? routed[std::size_t(tokens[i])] : routed[i];
    for (int j = 0; j < cfg.shared; ++j) {
      const double g = cfg.shared_gated
                           ? 1.0 / (1.0 + std::exp(-logits.row(tokens[i])[cfg.shared_gate_column(j)]))
                           : 1.0;
      s.push_back({cfg.shared_expert(j), g});
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace moat::moe
