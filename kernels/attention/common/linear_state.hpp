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
// The recurrent form runs one team per (batch, query head); the chunked form a team per (head,
// chunk) and a carry of the states between chunks (LinearChunks). S, z, the chunks' features,
// pair matrices and states live in workspaces.
#include <algorithm>
#include <string>

#include "kernels/attention/common/linear_spec.hpp"
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

// The recurrent form: one team per (batch, query head) walks the positions in order (decode).
template <class Policy>
struct LinearRecurrent {
  View4<const float> q, k, v;
  View4<float> o;
  AttentionShape s;
  Policy pol;
  View3<float> state;         // [team][F][dv]
  View2<float> norm;          // [team][F]
  View3<float> phi_q, phi_k;  // [team][1][F]

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const int w = team.league_rank(), h = w % s.heads_q, b = w / s.heads_q, hk = h / s.group();
    const int F = pol.features(), dv = s.value_dim, off = s.seq_kv - s.seq_q;
    Kokkos::parallel_for(Kokkos::TeamVectorRange(team, F * dv),
                         [&](int fd) { state(w, fd / dv, fd % dv) = 0.f; });
    Kokkos::parallel_for(Kokkos::TeamVectorRange(team, F), [&](int f) { norm(w, f) = 0.f; });
    team.team_barrier();
    for (int t = 0; t < s.seq_kv; ++t) step(team, w, b, h, hk, t, off);
  }

  // One position of the recurrence.
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

// The chunked form, parallel over chunks as well as heads (a team per (head, chunk); one team
// per head walking its chunks left GLA's 4-head 4K prefill at 0.1% of an H100's FMA rate). Each
// call covers chunks [c_first, c_first + chunks) of every head, in three launches:
//   local:   per (head, chunk): features, cumulative log decays L, the pair matrix A, the intra
//            outputs o[t] = sum_{s <= t} A[t][s] v[s] (and their normalizers), the chunk's own
//            state dS = sum_s e^{L_last - L_s} phi_k[s] v[s]^T, dz likewise, and its decay
//            G = e^{L_last}; phi_q[t] is left scaled by e^{L_t} for the readout;
//   carry:   per (head, state element): in chunk order, S_before[c] = S, S = G[c] S + dS[c] (dS
//            overwritten by S_before), from and back to the head's running state;
//   readout: per (head, chunk): o[t] += phi_q[t] . S_before, divided by phi_q[t] . z_before plus
//            the intra normalizer when normalized.
// Threads take rows (positions or features), their vector lanes value columns, so a GPU warp
// reads a row of V or S coalesced, and a CPU core vectorizes over the columns.
template <class Policy>
struct LinearChunks {
  struct Local {};
  struct Readout {};
  View4<const float> q, k, v;
  View4<float> o;
  AttentionShape s;
  Policy pol;
  int chunk, c_first, chunks;
  View3<float> phi_q, phi_k, lg;  // [head x chunk][chunk][F]: features, cumulative log decay
  View3<float> pairs;             // [head x chunk][chunk][chunk]: A
  View2<float> denom;             // [head x chunk][chunk]: intra normalizers
  View3<float> chunk_state;       // [head x chunk][F][dv + 1]: dS | dz, then S | z before
  View2<float> chunk_decay;       // [head x chunk][F]: G

  // Team wc = (head w, chunk c_first + c) of this call.
  KOKKOS_INLINE_FUNCTION void operator()(Local, const TeamMember& team) const {
    constexpr bool kDecay = Policy::Decay::kHas;
    const int wc = team.league_rank(), w = wc / chunks, c0 = (c_first + wc % chunks) * chunk;
    const int h = w % s.heads_q, b = w / s.heads_q, hk = h / s.group();
    const int F = pol.features(), dv = s.value_dim, off = s.seq_kv - s.seq_q;
    const int n = kx::min(chunk, s.seq_kv - c0);
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n), [&](int t) {
      Kokkos::single(Kokkos::PerThread(team), [&]() {
        pol.k_map(hk, &k(b, hk, c0 + t, 0), &phi_k(wc, t, 0));
        if (c0 + t >= off) pol.q_map(hk, &q(b, h, c0 + t - off, 0), &phi_q(wc, t, 0));
      });
    });
    if constexpr (kDecay)
      Kokkos::parallel_for(Kokkos::TeamVectorRange(team, F), [&](int f) {
        float acc = 0.f;
        for (int t = 0; t < n; ++t) lg(wc, t, f) = acc += pol.decay.log_decay(b, hk, c0 + t, f);
        chunk_decay(wc, f) = kx::exp(acc);
      });
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n), [&](int t) {
      if (c0 + t < off) return;
      Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, t + 1), [&](int u) {
        float a = 0.f;
        for (int f = 0; f < F; ++f) {
          if constexpr (kDecay)
            a += phi_q(wc, t, f) * phi_k(wc, u, f) * kx::exp(lg(wc, t, f) - lg(wc, u, f));
          else
            a += phi_q(wc, t, f) * phi_k(wc, u, f);
        }
        pairs(wc, t, u) = a;
      });
    });
    team.team_barrier();
    if constexpr (kDecay) {
      Kokkos::parallel_for(Kokkos::TeamVectorRange(team, n * F), [&](int tf) {
        const int t = tf / F, f = tf % F;
        if (c0 + t >= off) phi_q(wc, t, f) *= kx::exp(lg(wc, t, f));
        phi_k(wc, t, f) *= kx::exp(lg(wc, n - 1, f) - lg(wc, t, f));
      });
      team.team_barrier();
    }
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n), [&](int t) {
      if (c0 + t < off) return;
      if constexpr (Policy::kNormalized) {
        float intra = 0.f;
        Kokkos::parallel_reduce(
            Kokkos::ThreadVectorRange(team, t + 1), [&](int u, float& x) { x += pairs(wc, t, u); },
            intra);
        Kokkos::single(Kokkos::PerThread(team), [&]() { denom(wc, t) = intra; });
      }
      Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, dv), [&](int d) {
        float acc = 0.f;
        for (int u = 0; u <= t; ++u) acc += pairs(wc, t, u) * v(b, hk, c0 + u, d);
        o(b, h, c0 + t - off, d) = acc;
      });
    });
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, F), [&](int f) {
      Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, dv), [&](int d) {
        float sf = 0.f;
        for (int u = 0; u < n; ++u) sf += phi_k(wc, u, f) * v(b, hk, c0 + u, d);
        chunk_state(wc, f, d) = sf;
      });
      Kokkos::single(Kokkos::PerThread(team), [&]() {
        float zf = 0.f;
        for (int u = 0; u < n; ++u) zf += phi_k(wc, u, f);
        chunk_state(wc, f, dv) = zf;
      });
    });
  }

  KOKKOS_INLINE_FUNCTION void operator()(Readout, const TeamMember& team) const {
    const int wc = team.league_rank(), w = wc / chunks, c0 = (c_first + wc % chunks) * chunk;
    const int h = w % s.heads_q, b = w / s.heads_q;
    const int F = pol.features(), dv = s.value_dim, off = s.seq_kv - s.seq_q;
    const int n = kx::min(chunk, s.seq_kv - c0);
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n), [&](int t) {
      if (c0 + t < off) return;
      float den = 0.f;
      if constexpr (Policy::kNormalized) {
        Kokkos::parallel_reduce(
            Kokkos::ThreadVectorRange(team, F),
            [&](int f, float& x) { x += phi_q(wc, t, f) * chunk_state(wc, f, dv); }, den);
        den += denom(wc, t);
      }
      Kokkos::parallel_for(Kokkos::ThreadVectorRange(team, dv), [&](int d) {
        float acc = o(b, h, c0 + t - off, d);
        for (int f = 0; f < F; ++f) acc += phi_q(wc, t, f) * chunk_state(wc, f, d);
        o(b, h, c0 + t - off, d) = Policy::kNormalized ? acc / den : acc;
      });
    });
  }
};

// Workspace and launches of the skeleton for one shape and policy.
template <class Policy>
class LinearAttention {
 public:
  // workspace_bytes bounds the chunked form's per-call workspace (chunks_per_call).
  LinearAttention(const AttentionShape& s, const Policy& pol, int chunk, LinearMode mode,
                  std::int64_t workspace_bytes = kChunkWorkspaceBytes)
      : s_(s), pol_(pol), chunk_(mode == LinearMode::chunked ? chunk : 1), mode_(mode) {
    const int heads = s.batch * s.heads_q, F = pol.features(), dv = s.value_dim;
    state_ = View3<float>(std::string("linear_state"), heads, F, dv);
    norm_ = View2<float>(std::string("linear_norm"), heads, F);
    if (mode_ == LinearMode::recurrent) {
      phi_q_ = View3<float>(std::string("linear_phi_q"), heads, 1, F);
      phi_k_ = View3<float>(std::string("linear_phi_k"), heads, 1, F);
      return;
    }
    chunks_per_call_ = linear::chunks_per_call(s, F, chunk_, workspace_bytes);
    const int teams = heads * chunks_per_call_;
    phi_q_ = View3<float>(std::string("linear_phi_q"), teams, chunk_, F);
    phi_k_ = View3<float>(std::string("linear_phi_k"), teams, chunk_, F);
    lg_ = View3<float>(std::string("linear_log_decay"), Policy::Decay::kHas ? teams : 1,
                       Policy::Decay::kHas ? chunk_ : 1, F);
    pairs_ = View3<float>(std::string("linear_pairs"), teams, chunk_, chunk_);
    denom_ = View2<float>(std::string("linear_denominators"), teams, chunk_);
    chunk_state_ = View3<float>(std::string("linear_chunk_state"), teams, F, dv + 1);
    chunk_decay_ =
        View2<float>(std::string("linear_chunk_decay"), Policy::Decay::kHas ? teams : 1, F);
  }

  void operator()(const View4<const float>& q, const View4<const float>& k,
                  const View4<const float>& v, const View4<float>& o) const {
    const int heads = s_.batch * s_.heads_q;
    if (mode_ == LinearMode::recurrent) {
      // GPUs: 8 threads of 32 vector lanes (warps) per team.
      Kokkos::parallel_for(
          "moat::attention::linear_recurrent",
          TeamPolicy(heads, kExecOnHost ? 1 : 8, kExecOnHost ? 1 : 32),
          LinearRecurrent<Policy>{q, k, v, o, s_, pol_, state_, norm_, phi_q_, phi_k_});
      return;
    }
    Kokkos::deep_copy(state_, 0.f);
    Kokkos::deep_copy(norm_, 0.f);
    const int chunks = linear::chunk_count(s_, chunk_);
    for (int c_first = 0; c_first < chunks; c_first += chunks_per_call_) {
      const int n = std::min(chunks_per_call_, chunks - c_first);
      const LinearChunks<Policy> f{
          q, k,      v,      o,   s_,     pol_,   chunk_,       c_first,
          n, phi_q_, phi_k_, lg_, pairs_, denom_, chunk_state_, chunk_decay_};
      // A team per (head, chunk) of this call, shaped like the recurrent form's.
      const auto teams = [&](auto tag) {
        return Kokkos::TeamPolicy<ExecSpace, LaunchArgs, decltype(tag)>(
            heads * n, kExecOnHost ? 1 : 8, kExecOnHost ? 1 : 32);
      };
      Kokkos::parallel_for("moat::attention::linear_chunk_local",
                           teams(typename LinearChunks<Policy>::Local{}), f);
      carry(n);
      Kokkos::parallel_for("moat::attention::linear_chunk_readout",
                           teams(typename LinearChunks<Policy>::Readout{}), f);
    }
  }
  // The state after the last run: S [head][F][dv], z [head][F] (head = b * heads_q + h).
  const View3<float>& state() const { return state_; }
  const View2<float>& normalizer() const { return norm_; }
  int chunks_per_call() const { return chunks_per_call_; }

  // The carry launch over `n` chunks of a call: one thread per (head, feature, column or
  // normalizer), consecutive threads on consecutive columns. (Public: a CUDA lambda's enclosing
  // function must be.)
  void carry(int n) const {
    const int F = pol_.features(), dv = s_.value_dim, cols = dv + 1;
    auto state = state_;
    auto norm = norm_;
    auto cs = chunk_state_;
    auto cd = chunk_decay_;
    constexpr bool kDecay = Policy::Decay::kHas;
    Kokkos::parallel_for(
        "moat::attention::linear_chunk_carry",
        RangePolicy(0, std::int64_t(s_.batch) * s_.heads_q * F * cols),
        KOKKOS_LAMBDA(std::int64_t i) {
          const int d = int(i % cols), f = int(i / cols % F), w = int(i / cols / F);
          float x = d < dv ? state(w, f, d) : norm(w, f);
          for (int c = 0; c < n; ++c) {
            const int wc = w * n + c;
            const float own = cs(wc, f, d);
            cs(wc, f, d) = x;
            x = (kDecay ? cd(wc, f) * x : x) + own;
          }
          if (d < dv)
            state(w, f, d) = x;
          else
            norm(w, f) = x;
        });
  }

 private:
  AttentionShape s_;
  Policy pol_;
  int chunk_;
  LinearMode mode_;
  int chunks_per_call_ = 1;
  View3<float> state_;
  View2<float> norm_;
  View3<float> phi_q_, phi_k_, lg_, pairs_;
  View2<float> denom_;
  View3<float> chunk_state_;
  View2<float> chunk_decay_;
};

}  // namespace moat::attention::linear
