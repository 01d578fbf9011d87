#pragma once
// Mega's multi-dimensional damped EMA (Ma et al. 2022, eq. 2-3), in two forms over one state.
// Per feature j of x [tokens][dim] (tokens = batch x seq, sequence-major) and EMA dimension n:
//   h_t,n = p_jn x_t,j + q_jn h_{t-1},n     p = alpha * beta,  q = 1 - alpha * delta  in (0, 1)
//   e_t,j = sum_n c_jn h_t,n                 c = eta / sqrt(ndim)
//   out_t,j = silu(e_t,j + omega_j x_t,j)    (the residual and activation of Mega's EMA module)
// recurrent: one thread per (sequence, feature) walks the positions (decode form).
// chunked:   a table of q^r and of the in-chunk kernel K_r = sum_n c p q^r (r <= chunk);
//            chunk-local end states in parallel; a scan over chunks turns them into entering
//            states P; every output then is  sum_{v <= u} K_{u-v} x_{c0+v} + sum_n c q^{u+1} P_n,
//            in parallel over (position, feature) (the prefill form; Mega's FFT convolution
//            computes the same kernel sum over the whole sequence).
#include <string>

#include "kernels/common/views.hpp"

namespace moat::attention::mega {

inline constexpr int kMaxEmaDim = 64;  // recurrent state per thread lives in registers

struct EmaParams {
  View2<const float> p, q, c;  // [dim][ndim]
  View1<const float> omega;    // [dim]
};

KOKKOS_INLINE_FUNCTION float silu(float x) { return x / (1.f + kx::exp(-x)); }

inline void ema_recurrent(const EmaParams& e, const View2<const float>& x, const View2<float>& out,
                          int batch, int seq) {
  const int dim = int(x.extent(1)), nd = int(e.p.extent(1));
  Kokkos::parallel_for(
      "moat::mega::ema_recurrent", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(int r) {
        const int b = r / dim, j = r % dim;
        float h[kMaxEmaDim];
        for (int n = 0; n < nd; ++n) h[n] = 0.f;
        for (int t = 0; t < seq; ++t) {
          const float xv = x(b * seq + t, j);
          float acc = 0.f;
          for (int n = 0; n < nd; ++n) {
            h[n] = e.p(j, n) * xv + e.q(j, n) * h[n];
            acc += e.c(j, n) * h[n];
          }
          out(b * seq + t, j) = silu(acc + e.omega(j) * xv);
        }
      });
}

// Workspace of the chunked form.
struct EmaChunkWork {
  View3<float> pw;     // [dim][chunk + 1][ndim]: q^r
  View2<float> kern;   // [dim][chunk]: K_r
  View4<float> state;  // [batch][chunks][dim][ndim]: chunk-local end state, then entering state
  EmaChunkWork(int batch, int seq, int dim, int ndim, int chunk)
      : pw(std::string("mega_pw"), dim, chunk + 1, ndim),
        kern(std::string("mega_kern"), dim, chunk),
        state(std::string("mega_state"), batch, (seq + chunk - 1) / chunk, dim, ndim) {}
};

inline void ema_chunked(const EmaParams& e, const View2<const float>& x, const View2<float>& out,
                        int batch, int seq, int chunk, const EmaChunkWork& w) {
  const int dim = int(x.extent(1)), nd = int(e.p.extent(1)), chunks = (seq + chunk - 1) / chunk;
  auto pw = w.pw;
  auto kern = w.kern;
  auto st = w.state;
  Kokkos::parallel_for(
      "moat::mega::ema_table", RangePolicy(0, dim), KOKKOS_LAMBDA(int j) {
        for (int n = 0; n < nd; ++n) pw(j, 0, n) = 1.f;
        for (int r = 1; r <= chunk; ++r)
          for (int n = 0; n < nd; ++n) pw(j, r, n) = pw(j, r - 1, n) * e.q(j, n);
        for (int r = 0; r < chunk; ++r) {
          float k = 0.f;
          for (int n = 0; n < nd; ++n) k += e.c(j, n) * e.p(j, n) * pw(j, r, n);
          kern(j, r) = k;
        }
      });
  Kokkos::parallel_for(
      "moat::mega::ema_chunk_states", RangePolicy(0, batch * chunks * dim), KOKKOS_LAMBDA(int r) {
        const int j = r % dim, c = r / dim % chunks, b = r / dim / chunks;
        const int c0 = c * chunk, len = kx::min(chunk, seq - c0);
        for (int n = 0; n < nd; ++n) {
          float s = 0.f;
          for (int u = 0; u < len; ++u) s += pw(j, len - 1 - u, n) * x(b * seq + c0 + u, j);
          st(b, c, j, n) = e.p(j, n) * s;
        }
      });
  Kokkos::parallel_for(
      "moat::mega::ema_chunk_scan", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(int r) {
        const int b = r / dim, j = r % dim;
        for (int n = 0; n < nd; ++n) {
          float enter = 0.f;
          for (int c = 0; c < chunks; ++c) {
            const int len = kx::min(chunk, seq - c * chunk);
            const float local = st(b, c, j, n);
            st(b, c, j, n) = enter;
            enter = pw(j, len, n) * enter + local;
          }
        }
      });
  Kokkos::parallel_for(
      "moat::mega::ema_chunk_out", RangePolicy(0, batch * seq * dim), KOKKOS_LAMBDA(int r) {
        const int j = r % dim, t = r / dim % seq, b = r / dim / seq;
        const int c = t / chunk, c0 = c * chunk, u = t - c0;
        float acc = 0.f;
        for (int v = 0; v <= u; ++v) acc += kern(j, u - v) * x(b * seq + c0 + v, j);
        for (int n = 0; n < nd; ++n) acc += e.c(j, n) * pw(j, u + 1, n) * st(b, c, j, n);
        out(b * seq + t, j) = silu(acc + e.omega(j) * x(b * seq + t, j));
      });
}

}  // namespace moat::attention::mega
