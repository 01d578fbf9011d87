#pragma once
// The routed MoE pipeline on device, shared by every routed variant:
//   router logits -> Router (policy slots) | forced draw -> capacity -> shared experts ->
//   dispatch -> grouped GEMM up (Epilogue) -> grouped GEMM down -> combine.
// A Router fills the policy's slots of idx / weight from the logits (and x, for routers that mix
// across tokens): PerTokenRouter wraps a per-token policy struct; cross-token routers (expert
// choice, similarity / attention mixing) are their own structs with the same call.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "kernels/common/random.hpp"
#include "kernels/moe/common/dispatch.hpp"
#include "kernels/moe/common/grouped_gemm.hpp"
#include "kernels/moe/common/host_route.hpp"
#include "kernels/moe/common/layer_config.hpp"
#include "kernels/moe/common/oracle.hpp"
#include "kernels/moe/common/routing.hpp"
#include "kernels/moe/common/stages.hpp"

namespace moat::moe {

// Routers that ignore the logits (hash routing) declare `static constexpr bool kNoLogits = true`
// and the router GEMM is skipped.
template <class R>
constexpr bool uses_logits = !requires {
  R::kNoLogits;
};

template <class Select>
struct PerTokenRouter {
  Select select;
  int experts, k;
  void operator()(const View2<const float>&, const View2<float>& logits, const View2<int>& idx,
                  const View2<float>& w) const {
    select_routed(logits, idx, w, select, experts, k);
  }
};

template <class Select>
PerTokenRouter<Select> per_token_router(Select select, const MoeShape& s) {
  return {select, s.experts, s.top_k};
}

// Host values in device views of storage type S (rounded to it: already representable).
template <class S = float>
View2<const S> device2(const char* name, const std::vector<float>& h, std::int64_t n0,
                       std::int64_t n1) {
  View2<S> v(std::string(name), n0, n1);
  upload(v, h);
  return v;
}
template <class S = float>
View3<const S> device3(const char* name, const std::vector<float>& h, std::int64_t n0,
                       std::int64_t n1, std::int64_t n2) {
  View3<S> v(std::string(name), n0, n1, n2);
  upload(v, h);
  return v;
}

// Seeded router and expert weights for a layer (expert_count experts, gated: W1 and W3).
inline HostWeights random_layer_weights(const LayerConfig& cfg, bool gated, DType dt,
                                        std::uint64_t seed) {
  const MoeShape& s = cfg.shape;
  const double in_scale = 1.0 / std::sqrt(double(s.hidden));
  const std::int64_t n = std::int64_t(cfg.expert_count()) * s.hidden * s.ffn;
  HostWeights w;
  w.router =
      random_values(std::int64_t(s.hidden) * cfg.router_width(), dt, seed * 7 + 1, in_scale * 4);
  w.w_gate = random_values(n, dt, seed * 7 + 2, in_scale);
  if (gated) w.w_up = random_values(n, dt, seed * 7 + 3, in_scale);
  w.w_down = random_values(n, dt, seed * 7 + 4, 1.0 / std::sqrt(double(s.ffn)));
  return w;
}

template <class Router, class Epilogue>
class RoutedPipeline {
 public:
  RoutedPipeline(const LayerConfig& cfg, Router router, const HostWeights& w)
      : cfg_(cfg),
        router_(router),
        dispatch_(cfg.shape.tokens, cfg.slots(), cfg.expert_count()),
        tiles_(RowTileList::capacity_for(cfg.rows(), cfg.expert_count())) {
    const MoeShape& s = cfg.shape;
    const int ne = cfg.expert_count();
    router_w_ = device2("router", w.router, s.hidden, cfg.router_width());
    w_gate_ = device3("w_gate", w.w_gate, ne, s.hidden, s.ffn);
    w_up_ = Epilogue::two_inputs ? device3("w_up", w.w_up, ne, s.hidden, s.ffn) : w_gate_;
    w_down_ = device3("w_down", w.w_down, ne, s.ffn, s.hidden);
    logits_ = View2<float>("logits", s.tokens, cfg.router_width());
    idx_ = View2<int>("idx", s.tokens, cfg.slots());
    weight_ = View2<float>("weight", s.tokens, cfg.slots());
    xp_ = View2<float>("xp", cfg.rows(), s.hidden);
    hmid_ = View2<float>("hmid", cfg.rows(), s.ffn);
    yp_ = View2<float>("yp", cfg.rows(), s.hidden);
    if (cfg.routing.forced()) {
      View2<int> f("forced", s.tokens, s.top_k);
      upload(f, draw_routed_experts(cfg.routing, s));
      forced_ = f;
    }
  }

  // out = layer(x); `x_router` (if given) feeds the router instead of x (MoEUT's peri-LN).
  void run(const View2<const float>& x, const View2<float>& out, View2<const float> x_router = {}) {
    if (!x_router.data()) x_router = x;
    if constexpr (uses_logits<Router>) router_logits(x_router, router_w_, logits_);
    if (cfg_.routing.forced())
      forced_select(logits_, forced_, idx_, weight_);
    else
      router_(x_router, logits_, idx_, weight_);
    apply_capacity(idx_, weight_, cfg_.slots_of_policy(), cfg_.shape.experts, cfg_.capacity);
    append_shared(logits_, idx_, weight_, cfg_);
    dispatch(idx_, x, dispatch_, xp_);
    const int n_tiles = tiles_.set(dispatch_.host_offsets);
    grouped_gemm(tiles_.view(), n_tiles, xp_, w_gate_, w_up_, hmid_, Epilogue{});
    grouped_gemm(tiles_.view(), n_tiles, hmid_, w_down_, w_down_, yp_, IdentityEpilogue{});
    combine(yp_, dispatch_.position, weight_, out);
  }

  // Load statistics of the last run over the routed experts (shared experts excluded).
  std::map<std::string, double> counters() const {
    const auto& off = dispatch_.host_offsets;
    if (off.empty()) return {};
    const int experts = cfg_.shape.experts;
    double max_load = 0, min_load = 1e300, touched = 0, routed = 0;
    for (int e = 0; e < experts; ++e) {
      const double load = off[e + 1] - off[e];
      max_load = std::max(max_load, load);
      min_load = std::min(min_load, load);
      touched += load > 0;
      routed += load;
    }
    const double mean = routed / experts;
    // Tokens whose every routed slot was dropped or never filled (expert choice, capacity).
    const auto idx = download(idx_);
    const int slots = cfg_.slots(), ps = cfg_.slots_of_policy();
    double unrouted = 0;
    for (int t = 0; t < cfg_.shape.tokens; ++t) {
      bool any = false;
      for (int s = 0; s < ps; ++s) any = any || idx[std::size_t(t) * slots + s] >= 0;
      unrouted += !any;
    }
    return {{"tokens_routed", routed},
            {"tokens_dropped", std::max(0.0, nominal_assignments() - routed)},
            {"tokens_unrouted", unrouted},
            {"tokens_per_expert_max", max_load},
            {"tokens_per_expert_mean", mean},
            {"tokens_per_expert_min", min_load},
            {"load_imbalance", routed > 0 ? max_load / mean : 0},
            {"experts_touched", touched}};
  }

  // Routed assignments the policy asks for before capacity: tokens * k unless a router says
  // otherwise (expert choice: experts * capacity).
  void set_nominal_assignments(double n) { nominal_ = n; }
  double nominal_assignments() const {
    return nominal_ > 0 ? nominal_ : double(cfg_.shape.tokens) * cfg_.shape.top_k;
  }
  const LayerConfig& config() const { return cfg_; }
  const Dispatch& dispatch_state() const { return dispatch_; }
  View2<const int> idx() const { return idx_; }
  View2<const float> weight() const { return weight_; }

 private:
  LayerConfig cfg_;
  Router router_;
  Dispatch dispatch_;
  RowTileList tiles_;
  View2<const float> router_w_;
  View3<const float> w_gate_, w_up_, w_down_;
  View2<const int> forced_;
  View2<float> logits_, weight_, xp_, hmid_, yp_;
  View2<int> idx_;
  double nominal_ = 0;
};

// Float64 twin of RoutedPipeline for the requested tokens.
class PipelineOracle {
 public:
  PipelineOracle(const LayerConfig& cfg, HostRouter router, const HostWeights& w, bool gated,
                 HostActivation act)
      : cfg_(cfg), router_(std::move(router)), w_(w), gated_(gated), act_(act) {
    if (cfg.routing.forced()) forced_ = draw_routed_experts(cfg.routing, cfg.shape);
  }
  // x [tokens][hidden] (the pipeline's input); x_router feeds the router when non-empty.
  std::vector<double> tokens(const std::vector<float>& x, const std::vector<int>& tokens,
                             const std::vector<float>& x_router = {}) const {
    HostLogits logits(cfg_.shape.hidden, cfg_.router_width(), x_router.empty() ? x : x_router,
                      w_.router);
    auto slots = route_ref(cfg_, router_, forced_, logits, tokens);
    std::vector<double> out;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      auto y = oracle_combine(cfg_.shape, w_, &x[std::size_t(tokens[i]) * cfg_.shape.hidden],
                              slots[i], gated_, act_);
      out.insert(out.end(), y.begin(), y.end());
    }
    return out;
  }

 private:
  LayerConfig cfg_;
  HostRouter router_;
  const HostWeights& w_;
  bool gated_;
  HostActivation act_;
  std::vector<int> forced_;
};

}  // namespace moat::moe
