#pragma once
// The chunked-state skeleton of causal linear attention, shared by the linear / gated / decayed
// variants. Per (batch, query head), with feature maps phi_q, phi_k, decay gates g_t (per feature,
// log given by the policy) and state S (features x value_dim), normalizer z (features):
//   S_t = diag(g_t) S_{t-1} + phi_k(k_t) v_t^T,   z_t = diag(g_t) z_{t-1} + phi_k(k_t)
//   o_t = phi_q(q_t)^T S_t  [/ phi_q(q_t)^T z_t when normalized]
// Query token i sits at position i + seq_kv - seq_q (bottom-right, as in attention.dense), so a
// decode step (seq_q = 1) first folds the cached keys into S.
// Two forms, one state:
//   recurrent: the recurrence above, one position at a time (decode);
//   chunked:   per chunk of C positions with L_t = sum_{r in chunk, r <= t} log g_r,
//     o_t  = (phi_q(q_t) e^{L_t})^T S_prev + sum_{s <= t in chunk} A_ts v_s,
//     A_ts = sum_f phi_q(q_t)_f phi_k(k_s)_f e^{L_t,f - L_s,f}      (exponents <= 0: stable)
//     S    = e^{L_last} S_prev + sum_s e^{L_last - L_s} phi_k(k_s) v_s^T   (prefill).
//
// A policy provides (see linear_features.hpp for feature maps):
//   Feature q_map, k_map;  features(), operator()(hk, const float* x, T* out)
//   Decay decay;           kHas, log_decay(b, hk, t, f)
//   static constexpr bool kNormalized;
// One team per (batch, query head); S, z, the chunk's features and its pair matrix A live in a
// per-team workspace.
#include <string>

#include "kernels/attention/common/shape.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention::linear {

struct NoDecay {
  static constexpr bool kHas = false;
  KOKKOS_INLINE_FUNCTION float log_decay(int, int, int, int) const { return 0.f; }
};

// One decay per KV head (Lightning / RetNet style): log g = log_g[hk] for every feature.
struct HeadDecay {
  static constexpr bool kHas = true;
  const float* log_g;  // [heads_kv]
  KOKKOS_INLINE_FUNCTION float log_decay(int, int hk, int, int) const { return log_g[hk]; }
};

// Data-dependent per-feature gates (GLA): log g [batch][heads_kv][seq_kv][features].
struct GateDecay {
  static constexpr bool kHas = true;
  const float* log_g;
  int heads_kv, seq_kv, features;
  KOKKOS_INLINE_FUNCTION float log_decay(int b, int hk, int t, int f) const {
    return log_g[((static_cast<long>(b) * heads_kv + hk) * seq_kv + t) * features + f];
  }
};

template <class QMap, class KMap, class DecayT, bool Normalized>
struct LinearPolicy {
  using Decay = DecayT;
  QMap q_map;
  KMap k_map;
  DecayT decay;
  static constexpr bool kNormalized = Normalized;
  KOKKOS_INLINE_FUNCTION int features() const { return k_map.features(); }
};

enum class LinearMode { chunked, recurrent };

template <class Policy>
struct LinearForward {
  View4<const float> q, k, v;
  View4<float> o;
  AttentionShape s;
  Policy pol;
  int chunk;
  bool chunked;
  View3<float> state;             // [team][F][dv]
  View2<float> norm;              // [team][F]
  View3<float> phi_q, phi_k, lg;  // [team][chunk][F]: features and cumulative log decay
  View3<float> pairs;             // [team][chunk][chunk]: A of the chunked form
  View2<float> denom;             // [team][chunk]: normalizers of the chunk's rows

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const int w = team.league_rank(), h = w % s.heads_q, b = w / s.heads_q, hk = h / s.group();
    const int F = pol.features(), dv = s.value_dim, off = s.seq_kv - s.seq_q;
    Kokkos::parallel_for(Kokkos::TeamVectorRange(team, F * dv),
                         [&](int fd) { state(w, fd / dv, fd % dv) = 0.f; });
    Kokkos::parallel_for(Kokkos::TeamVectorRange(team, F), [&](int f) { norm(w, f) = 0.f; });
    team.team_barrier();
    if (chunked) {
      for (int c0 = 0; c0 < s.seq_kv; c0 += chunk)
        run_chunk(team, w, b, h, hk, c0, kx::min(chunk, s.seq_kv - c0), off);
    } else {
      for (int t = 0; t < s.seq_kv; ++t) step(team, w, b, h, hk, t, off);
    }
  }

  // One chunk in team-wide steps: threads take rows (positions or features), their vector lanes
  // take value columns, so a GPU warp reads a row of V or S coalesced and keeps its outputs in
  // registers, and a CPU core vectorizes over the columns (one output row per GPU thread left
  // GLA's 4 x 4096 prefill at ~665 ms on an H100):
  //   1. features phi_q, phi_k of the chunk's positions; cumulative log decays L;
  //   2. A[t][s] = sum_f phi_q[t]_f phi_k[s]_f e^{L_t,f - L_s,f} for s <= t;
  //   3. in place: phi_q[t]_f *= e^{L_t,f} (inter-chunk factor), phi_k[s]_f *= e^{L_last,f -
  //   L_s,f};
  //   4. o[t][d] = sum_f phi_q[t]_f S[f][d] + sum_{s <= t} A[t][s] v[s][d] (and the normalizer);
  //   5. S[f][d] = e^{L_last,f} S[f][d] + sum_s phi_k[s]_f v[s][d], likewise z.
  KOKKOS_INLINE_FUNCTION void run_chunk(const TeamMember& team, int w, int b, int h, int hk, int c0,
                                        int n, int off) const {
    constexpr bool kDecay = Policy::Decay::kHas;
    const int F = pol.features(), dv = s.value_dim;
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n), [&](int t) {
      Kokkos::single(Kokkos::PerThread(team), [&]() {
        pol.k_map(hk, &k(b, hk, c0 + t, 0), &phi_k(w, t, 0));
        if (c0 + t >= off) pol.q_map(hk, &q(b, h, c0 + t - off, 0), &phi_q(w, t, 0));
      });
    });
    if constexpr (kDecay)
      Kokkos::parallel_for(Kokkos::TeamVectorRange(team, F), [&](int f) {
        float acc = 0.f;
        for (int t = 0; t < n; ++t) lg(w, t, f) = acc += pol.decay.log_decay(b, hk, c0 + t, f);
      });
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n), [&](int t) {
      if (c0 + t < off) return;
      Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, t + 1), [&](int u) {
        float a = 0.f;
        for (int f = 0; f < F; ++f) {
          if constexpr (kDecay)
            a += phi_q(w, t, f) * phi_k(w, u, f) * kx::exp(lg(w, t, f) - lg(w, u, f));
          else
            a += phi_q(w, t, f) * phi_k(w, u, f);
        }
        pairs(w, t, u) = a;
      });
    });
    team.team_barrier();
    if constexpr (kDecay) {
      Kokkos::parallel_for(Kokkos::TeamVectorRange(team, n * F), [&](int tf) {
        const int t = tf / F, f = tf % F;
        phi_q(w, t, f) *= kx::exp(lg(w, t, f));
        phi_k(w, t, f) *= kx::exp(lg(w, n - 1, f) - lg(w, t, f));
      });
      team.team_barrier();
    }
    if constexpr (Policy::kNormalized) {
      Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n), [&](int t) {
        if (c0 + t < off) return;
        float inter = 0.f, intra = 0.f;
        Kokkos::parallel_reduce(
            Kokkos::ThreadVectorRange(team, F),
            [&](int f, float& x) { x += phi_q(w, t, f) * norm(w, f); }, inter);
        Kokkos::parallel_reduce(
            Kokkos::ThreadVectorRange(team, t + 1), [&](int u, float& x) { x += pairs(w, t, u); },
            intra);
        Kokkos::single(Kokkos::PerThread(team), [&]() { denom(w, t) = inter + intra; });
      });
      team.team_barrier();
    }
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n), [&](int t) {
      if (c0 + t < off) return;
      Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, dv), [&](int d) {
        float acc = 0.f;
        for (int f = 0; f < F; ++f) acc += phi_q(w, t, f) * state(w, f, d);
        for (int u = 0; u <= t; ++u) acc += pairs(w, t, u) * v(b, hk, c0 + u, d);
        if constexpr (Policy::kNormalized) acc /= denom(w, t);
        o(b, h, c0 + t - off, d) = acc;
      });
    });
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, F), [&](int f) {
      const float g = kDecay ? kx::exp(lg(w, n - 1, f)) : 1.f;
      Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, dv), [&](int d) {
        float sf = g * state(w, f, d);
        for (int u = 0; u < n; ++u) sf += phi_k(w, u, f) * v(b, hk, c0 + u, d);
        state(w, f, d) = sf;
      });
      Kokkos::single(Kokkos::PerThread(team), [&]() {
        float zf = g * norm(w, f);
        for (int u = 0; u < n; ++u) zf += phi_k(w, u, f);
        norm(w, f) = zf;
      });
    });
    team.team_barrier();
  }

  // One position of the recurrence (decode).
  KOKKOS_INLINE_FUNCTION void step(const TeamMember& team, int w, int b, int h, int hk, int t,
                                   int off) const {
    const int F = pol.features(), dv = s.value_dim;
    Kokkos::single(Kokkos::PerTeam(team), [&]() {
      pol.k_map(hk, &k(b, hk, t, 0), &phi_k(w, 0, 0));
      if (t >= off) pol.q_map(hk, &q(b, h, t - off, 0), &phi_q(w, 0, 0));
    });
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, F), [&](int f) {
      const float a = phi_k(w, 0, f);
      const float g = Policy::Decay::kHas ? kx::exp(pol.decay.log_decay(b, hk, t, f)) : 1.f;
      Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, dv), [&](int d) {
        state(w, f, d) = g * state(w, f, d) + a * v(b, hk, t, d);
      });
      Kokkos::single(Kokkos::PerThread(team), [&]() { norm(w, f) = g * norm(w, f) + a; });
    });
    team.team_barrier();
    if (t < off) return;
    Kokkos::parallel_for(Kokkos::TeamVectorRange(team, dv), [&](int d) {
      float num = 0.f, den = 0.f;
      for (int f = 0; f < F; ++f) {
        num += phi_q(w, 0, f) * state(w, f, d);
        den += phi_q(w, 0, f) * norm(w, f);
      }
      o(b, h, t - off, d) = Policy::kNormalized ? num / den : num;
    });
    team.team_barrier();
  }
};

// Workspace and launch of the skeleton for one shape and policy.
template <class Policy>
class LinearAttention {
 public:
  LinearAttention(const AttentionShape& s, const Policy& pol, int chunk, LinearMode mode)
      : s_(s), pol_(pol), chunk_(mode == LinearMode::chunked ? chunk : 1), mode_(mode) {
    const int teams = s.batch * s.heads_q, F = pol.features();
    state_ = View3<float>(std::string("linear_state"), teams, F, s.value_dim);
    norm_ = View2<float>(std::string("linear_norm"), teams, F);
    phi_q_ = View3<float>(std::string("linear_phi_q"), teams, chunk_, F);
    phi_k_ = View3<float>(std::string("linear_phi_k"), teams, chunk_, F);
    lg_ = View3<float>(std::string("linear_log_decay"), teams, Policy::Decay::kHas ? chunk_ : 1, F);
    const int pair_rows = mode == LinearMode::chunked ? chunk_ : 1;
    pairs_ = View3<float>(std::string("linear_pairs"), teams, pair_rows, pair_rows);
    denom_ = View2<float>(std::string("linear_denominators"), teams, pair_rows);
  }
  void operator()(const View4<const float>& q, const View4<const float>& k,
                  const View4<const float>& v, const View4<float>& o) const {
    LinearForward<Policy> f{
        q,      k,     v,      o,      s_,  pol_,   chunk_, mode_ == LinearMode::chunked,
        state_, norm_, phi_q_, phi_k_, lg_, pairs_, denom_};
    // GPUs: 8 threads of 32 vector lanes (warps) per team.
    Kokkos::parallel_for(
        "moat::attention::linear_state",
        TeamPolicy(s_.batch * s_.heads_q, kExecOnHost ? 1 : 8, kExecOnHost ? 1 : 32), f);
  }
  // The state after the last run: S [team][F][dv], z [team][F] (team = b * heads_q + h).
  const View3<float>& state() const { return state_; }

 private:
  AttentionShape s_;
  Policy pol_;
  int chunk_;
  LinearMode mode_;
  View3<float> state_;
  View2<float> norm_;
  View3<float> phi_q_, phi_k_, lg_, pairs_;
  View2<float> denom_;
};

}  // namespace moat::attention::linear
