#pragma once
// Routing mixed across tokens (moe.similarity_routing, moe.attention_routing):
//   P = softmax(x W_r) per token                      [tokens][experts]
//   A[i][j] = softmax_j(scale * q_i . k_j)            row-stochastic token graph
//   P~ = A P;  S_i = top-k(P~_i);  w_ie = P~_ie (/ sum_S P~_i when renormalize)
// Features: cosine (q = k = x / ||x||, scale = 1 / temperature) or attention (q = x W_q,
// k = x W_k, scale = 1 / sqrt(d_attn), seeded projections). Every token of the batch is one
// sequence and attends to all of them (no causal mask, no padding).
// Device: one thread per token i walks every j twice (max, then exp-weighted sum of P rows), so
// A is never stored: 2 T^2 d score FLOPs + 2 T^2 E mixing FLOPs, T^2 exps.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/custom_instance.hpp"
#include "kernels/moe/common/layer_instance.hpp"

namespace moat::moe {

struct TokenMixingRouter {
  View2<const float> wq, wk;  // [hidden][d_attn]; empty: cosine features of x itself
  View2<float> q, k;          // [tokens][d] features (cosine: q only)
  View2<float> p, mixed;      // [tokens][experts]
  int experts = 0, top_k = 0;
  float scale = 1.f;
  bool renormalize = true;

  void operator()(const View2<const float>& x, const View2<float>& logits, const View2<int>& idx,
                  const View2<float>& w) const {
    const int tokens = int(x.extent(0)), hidden = int(x.extent(1)), ne = experts, kk = top_k;
    const float sc = scale;
    const bool renorm = renormalize;
    auto qf = q, kf = k, pp = p, mix = mixed;
    if (wq.data()) {
      router_logits(x, wq, qf);
      router_logits(x, wk, kf);
    } else {
      kf = qf;
      Kokkos::parallel_for(
          "moat::moe::mix_cosine", RangePolicy(0, tokens), KOKKOS_LAMBDA(int t) {
            float n2 = 0.f;
            for (int h = 0; h < hidden; ++h) n2 += x(t, h) * x(t, h);
            const float inv = 1.f / kx::max(kx::sqrt(n2), 1e-12f);
            for (int h = 0; h < hidden; ++h) qf(t, h) = x(t, h) * inv;
          });
    }
    const int d = int(qf.extent(1));
    Kokkos::parallel_for(
        "moat::moe::mix_softmax", RangePolicy(0, tokens), KOKKOS_LAMBDA(int t) {
          float m = logits(t, 0);
          for (int e = 1; e < ne; ++e) m = kx::max(m, logits(t, e));
          float sum = 0.f;
          for (int e = 0; e < ne; ++e) sum += pp(t, e) = kx::exp(logits(t, e) - m);
          for (int e = 0; e < ne; ++e) pp(t, e) /= sum;
        });
    Kokkos::parallel_for(
        "moat::moe::mix_tokens", RangePolicy(0, tokens), KOKKOS_LAMBDA(int i) {
          auto score = [&](int j) {
            float s = 0.f;
            for (int c = 0; c < d; ++c) s += qf(i, c) * kf(j, c);
            return sc * s;
          };
          float m = score(0);
          for (int j = 1; j < tokens; ++j) m = kx::max(m, score(j));
          for (int e = 0; e < ne; ++e) mix(i, e) = 0.f;
          float sum = 0.f;
          for (int j = 0; j < tokens; ++j) {
            const float a = kx::exp(score(j) - m);
            sum += a;
            for (int e = 0; e < ne; ++e) mix(i, e) += a * pp(j, e);
          }
          for (int e = 0; e < ne; ++e) mix(i, e) /= sum;
          // top-k of the mixed probabilities (ties: lower index first)
          float chosen = 0.f;
          for (int s = 0; s < kk; ++s) {
            int best = -1;
            for (int e = 0; e < ne; ++e) {
              bool taken = false;
              for (int r = 0; r < s; ++r) taken = taken || idx(i, r) == e;
              if (!taken && (best < 0 || mix(i, e) > mix(i, best))) best = e;
            }
            idx(i, s) = best;
            w(i, s) = mix(i, best);
            chosen += w(i, s);
          }
          if (renorm)
            for (int s = 0; s < kk; ++s) w(i, s) /= chosen;
        });
  }
};

// Float64 twin: features, P and A P for the requested tokens, then top-k.
inline HostRouter token_mixing_ref(std::vector<float> wq, std::vector<float> wk, int d_attn,
                                   int experts, int k, double scale, bool renormalize) {
  return [=](HostLogits& l, const std::vector<int>& tokens) {
    const int n = l.tokens(), hidden = l.hidden();
    const bool attn = !wq.empty();
    const int d = attn ? d_attn : hidden;
    std::vector<std::vector<double>> q(n), kf(n), p(n);
    for (int t = 0; t < n; ++t) {
      const float* x = l.x(t);
      if (attn) {
        q[t] = host_vecmat(x, hidden, wq, d);
        kf[t] = host_vecmat(x, hidden, wk, d);
      } else {
        double n2 = 0;
        for (int h = 0; h < hidden; ++h) n2 += double(x[h]) * x[h];
        const double inv = 1.0 / std::max(std::sqrt(n2), 1e-12);
        for (int h = 0; h < hidden; ++h) q[t].push_back(x[h] * inv);
        kf[t] = q[t];
      }
      p[t] = host_softmax(std::vector<double>(l.row(t).begin(), l.row(t).begin() + experts));
    }
    std::vector<Slots> out;
    for (int i : tokens) {
      std::vector<double> s(n);
      for (int j = 0; j < n; ++j) {
        double dot = 0;
        for (int c = 0; c < d; ++c) dot += q[i][c] * kf[j][c];
        s[j] = scale * dot;
      }
      const auto a = host_softmax(s);
      std::vector<double> mix(experts, 0.0);
      for (int j = 0; j < n; ++j)
        for (int e = 0; e < experts; ++e) mix[e] += a[j] * p[j][e];
      Slots chosen;
      std::vector<bool> taken(experts, false);
      double sum = 0;
      for (int r = 0; r < k; ++r) {
        int best = -1;
        for (int e = 0; e < experts; ++e)
          if (!taken[e] && (best < 0 || mix[e] > mix[best])) best = e;
        taken[best] = true;
        chosen.push_back({best, mix[best]});
        sum += mix[best];
      }
      if (renormalize)
        for (auto& c : chosen) c.second /= sum;
      out.push_back(chosen);
    }
    return out;
  };
}

// The instance: a SwiGLU routed layer whose router is TokenMixingRouter. d_attn = 0: cosine.
inline std::unique_ptr<KernelInstance> make_token_mixing(const InstanceRequest& req,
                                                         const LayerConfig& cfg, int d_attn,
                                                         double scale, bool renormalize) {
  const MoeShape& s = cfg.shape;
  TokenMixingRouter r;
  r.experts = s.experts;
  r.top_k = s.top_k;
  r.scale = float(scale);
  r.renormalize = renormalize;
  std::vector<float> wq, wk;
  if (d_attn > 0) {
    const double sc = 1.0 / std::sqrt(double(s.hidden));
    wq = random_values(std::int64_t(s.hidden) * d_attn, req.dtype, req.seed * 13 + 5, sc);
    wk = random_values(std::int64_t(s.hidden) * d_attn, req.dtype, req.seed * 13 + 6, sc);
    r.wq = device2("w_q", wq, s.hidden, d_attn);
    r.wk = device2("w_k", wk, s.hidden, d_attn);
    r.q = View2<float>(std::string("mix_q"), s.tokens, d_attn);
    r.k = View2<float>(std::string("mix_k"), s.tokens, d_attn);
  } else {
    r.q = View2<float>(std::string("mix_q"), s.tokens, s.hidden);
  }
  r.p = View2<float>(std::string("mix_p"), s.tokens, s.experts);
  r.mixed = View2<float>(std::string("mix_p_tilde"), s.tokens, s.experts);
  return std::make_unique<RoutedMoeInstance<TokenMixingRouter, SwiGluEpilogue>>(
      req, cfg, r, token_mixing_ref(wq, wk, d_attn, s.experts, s.top_k, scale, renormalize));
}

}  // namespace moat::moe
