#pragma once
// Non-causal "softmax-state" linear attention, shared by Efficient Attention and Agent
// attention. With key logits kl_{j,f} and query logits ql_{i,f} over F features:
//   S_f = sum_j softmax_j(kl_{j,f}) v_j          (softmax over keys, per feature)
//   o_i = sum_f softmax_f(ql_{i,f}) S_f          (softmax over features, per query)
// The state per feature f is an online-softmax state (m_f, l_f, unnormalized S_f):
//   recurrent: keys folded in one at a time (rescale_to, as a growing decode cache);
//   chunked:   a chunk's (max, sum, partial S) computed in parallel, then merged into the state
//              with merge_states (online_softmax.hpp).
// A policy provides features() and, for T = float (kernel) and double (oracle),
//   T key_logit(b, h, const float* k_row, f),  T query_logit(b, h, const float* q_row, f).
#include <string>

#include "kernels/attention/common/online_softmax.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention::linear {

template <class Policy>
struct SoftmaxStateForward {
  View4<const float> q, k, v;
  View4<float> o;
  AttentionShape s;
  Policy pol;
  int chunk;
  bool chunked;
  View3<float> state;  // [team][F][dv], unnormalized
  View2<float> m, l;   // [team][F]
  View3<float> kl;     // [team][chunk][F] key logits of the chunk

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const int w = team.league_rank(), h = w % s.heads_q, b = w / s.heads_q, hk = h / s.group();
    const int F = pol.features(), dv = s.value_dim;
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, F), [&](int f) {
      for (int d = 0; d < dv; ++d) state(w, f, d) = 0.f;
      m(w, f) = kx::lowest_float();
      l(w, f) = 0.f;
    });
    team.team_barrier();
    for (int c0 = 0; c0 < s.seq_kv; c0 += chunk) {
      const int n = kx::min(chunk, s.seq_kv - c0);
      if (chunked) {
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n * F), [&](int idx) {
          const int t = idx / F, f = idx % F;
          kl(w, t, f) = pol.template key_logit<float>(b, h, &k(b, hk, c0 + t, 0), f);
        });
        team.team_barrier();
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, F), [&](int f) {
          float mc = kx::lowest_float(), lc = 0.f;
          for (int t = 0; t < n; ++t) mc = kx::max(mc, kl(w, t, f));
          for (int t = 0; t < n; ++t) lc += kx::exp(kl(w, t, f) - mc);
          OnlineSoftmaxState st{m(w, f), l(w, f)};
          float wa, wb;
          merge_states(st, OnlineSoftmaxState{mc, lc}, wa, wb);
          float* __restrict__ sf = &state(w, f, 0);
          for (int d = 0; d < dv; ++d) sf[d] *= wa;
          for (int t = 0; t < n; ++t) {
            const float e = wb * kx::exp(kl(w, t, f) - mc);
            const float* __restrict__ vr = &v(b, hk, c0 + t, 0);
            for (int d = 0; d < dv; ++d) sf[d] += e * vr[d];
          }
          m(w, f) = st.m;
          l(w, f) = st.l;
        });
        team.team_barrier();
      } else {
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, F), [&](int f) {  // features independent
          for (int t = c0; t < c0 + n; ++t) {
            const float x = pol.template key_logit<float>(b, h, &k(b, hk, t, 0), f);
            OnlineSoftmaxState st{m(w, f), l(w, f)};
            const float alpha = st.rescale_to(x), e = kx::exp(x - st.m);
            st.l += e;
            float* __restrict__ sf = &state(w, f, 0);
            const float* __restrict__ vr = &v(b, hk, t, 0);
            for (int d = 0; d < dv; ++d) sf[d] = alpha * sf[d] + e * vr[d];
            m(w, f) = st.m;
            l(w, f) = st.l;
          }
        });
      }
    }
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, s.seq_q), [&](int i) {
      const float* qr = &q(b, h, i, 0);
      float mx = kx::lowest_float(), sum = 0.f;
      for (int f = 0; f < F; ++f) mx = kx::max(mx, pol.template query_logit<float>(b, h, qr, f));
      float* __restrict__ out = &o(b, h, i, 0);
      for (int d = 0; d < dv; ++d) out[d] = 0.f;
      for (int f = 0; f < F; ++f) {
        const float e = kx::exp(pol.template query_logit<float>(b, h, qr, f) - mx);
        sum += e;
        const float c = e / l(w, f);
        for (int d = 0; d < dv; ++d) out[d] += c * state(w, f, d);
      }
      for (int d = 0; d < dv; ++d) out[d] /= sum;
    });
  }
};

template <class Policy>
class SoftmaxStateAttention {
 public:
  SoftmaxStateAttention(const AttentionShape& s, const Policy& pol, int chunk, bool chunked)
      : s_(s), pol_(pol), chunk_(chunked ? chunk : kRecurrentBlock), chunked_(chunked) {
    const int teams = s.batch * s.heads_q, F = pol.features();
    state_ = View3<float>(std::string("softmax_state"), teams, F, s.value_dim);
    m_ = View2<float>(std::string("softmax_state_m"), teams, F);
    l_ = View2<float>(std::string("softmax_state_l"), teams, F);
    kl_ = View3<float>(std::string("softmax_state_logits"), teams, chunked ? chunk : 1, F);
  }
  void operator()(const View4<const float>& q, const View4<const float>& k,
                  const View4<const float>& v, const View4<float>& o) const {
    SoftmaxStateForward<Policy> f{q, k, v, o, s_, pol_, chunk_, chunked_, state_, m_, l_, kl_};
    Kokkos::parallel_for("moat::attention::softmax_state",
                         TeamPolicy(s_.batch * s_.heads_q, kExecOnHost ? 1 : 64), f);
  }

 private:
  static constexpr int kRecurrentBlock = 1 << 30;  // recurrent: the key loop is not blocked
  AttentionShape s_;
  Policy pol_;
  int chunk_;
  bool chunked_;
  View3<float> state_;
  View2<float> m_, l_;
  View3<float> kl_;
};

}  // namespace moat::attention::linear
