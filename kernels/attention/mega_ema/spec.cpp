// attention.mega_ema — one Mega layer's EMA + gated single-head attention (Ma et al. 2022,
// "Mega: Moving Average Equipped Gated Attention"; layout of facebookresearch/mega's
// MovingAverageGatedAttention). x [batch][seq][dim]:
//   X' = silu(EMA(x) + omega x)          EMA: h_t = alpha beta x_t + (1 - alpha delta) h_{t-1}
//                                         per feature, ndim-dimensional, e_t = eta . h_t / sqrt(ndim)
//   [u | z | r | hx] = X' W_mx           (dim -> dim + zdim + hdim + dim, one GEMM)
//   u = sigmoid(u),  z = silu(z),  r = silu(r),  Q = gamma_q z + beta_q,  K = gamma_k z + beta_k
//   V = silu(x W_v)                       (dim -> hdim)
//   O = softmax(Q K^T / sqrt(zdim) [causal]) V,   G = r * O        (gate in the finish hook)
//   Y = x + u * (silu(hx + G W_h) - x)    (W_h: hdim -> dim)
// The EMA runs `mode` = recurrent (decode form) or chunked (prefill form, `chunk` positions):
// both give the same X' (kernels/attention/common/mega_ema.hpp; test.cpp checks it).
// Simplifications, honestly: no biases in the projections; no relative position bias on the
// scores; softmax attention only (Mega's laplace / relu^2 options left out); no Mega-chunk
// (attention over the whole sequence, not within chunks); the EMA is unidirectional (Mega's
// encoders use a bidirectional one); no normalization layer and no dropout. EMA parameters are
// seeded draws (alpha, delta = sigmoid(N(0,1)); beta = +-1 + N(0, 0.02); eta, omega ~ N(0,1)).
#include <cmath>

#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/flash_cost.hpp"
#include "kernels/attention/common/spec_helpers.hpp"
#include "kernels/attention/mega_ema/shape.hpp"

namespace moat::variants::attention_mega_ema {

namespace {

Cost gemm(double rows, int k, int n, DType dt) {
  const double b = bytes_of(dt);
  Cost c;
  c.flops_matrix = 2.0 * rows * k * n;
  c.bytes_dram = (rows * k + double(k) * n + rows * n) * b;
  c.launches = 1;
  return c;
}

Cost ema_cost(const MegaShape& m, DType dt) {
  const double T = double(m.batch) * m.seq, b = bytes_of(dt), nd = m.ndim;
  Cost c;
  c.special_ops = T * m.dim;                                  // silu
  c.bytes_dram = 2.0 * T * m.dim * b + 4.0 * m.dim * nd * 4;  // x in, X' out, parameters
  if (!m.chunked) {
    c.flops_vector = T * m.dim * (4.0 * nd + 3);
    c.launches = 1;
    return c;
  }
  const double chunks = std::ceil(double(m.seq) / m.chunk), C = m.chunk;
  // within chunk positions u = 0..len-1: (u + 1) kernel taps each; average over full chunks.
  const double taps = T * (C + 1) / 2;
  c.flops_vector = double(m.dim) * (C * nd + C * nd * 3) +       // q^r table, kernel K_r
                   T * m.dim * nd * 2 +                            // chunk-local end states
                   m.batch * chunks * m.dim * nd * 2 +              // scan over chunks
                   taps * m.dim * 2 + T * m.dim * (nd * 3 + 3);     // outputs
  c.bytes_dram += T * m.dim * b +                                   // x read again by the outputs
                  4.0 * m.batch * chunks * m.dim * nd * 4;          // states: write, scan r/w, read
  c.bytes_onchip = double(m.dim) * (C + 1) * nd * 4 * 2 +           // q^r table reads
                   taps * m.dim * b;                                 // in-chunk x re-reads
  c.launches = 4;
  return c;
}

Cost cost(const Params& p, DType dt) {
  const MegaShape m = mega_shape(p);
  const double T = double(m.batch) * m.seq, b = bytes_of(dt);
  Cost c = ema_cost(m, dt);
  c += gemm(T, m.dim, 2 * m.dim + m.zdim + m.hdim, dt);  // mx projection
  c += gemm(T, m.dim, m.hdim, dt);                         // value projection
  Cost act;  // gates, Q/K from z, silu(V): one elementwise pass
  act.flops_vector = T * (m.dim + 5.0 * m.zdim + m.hdim + m.hdim);
  act.special_ops = T * (m.dim + m.zdim + 2.0 * m.hdim);
  act.bytes_dram = T * (2 * m.dim + m.zdim + m.hdim + m.hdim) * b +  // read base, v
                   T * (2.0 * m.zdim + 2.0 * m.hdim + m.dim) * b;     // write Q, K, V, r, u
  act.launches = 1;
  c += act;
  const auto s = attention_shape(m);
  Cost flash = attention::flash_cost(s, dt, m.causal ? attention::causal_range(s)
                                                     : attention::full_range(s));
  flash.flops_vector += T * m.hdim;  // reset gate in the epilogue
  flash.bytes_dram += T * m.hdim * b;
  c += flash;
  c += gemm(T, m.hdim, m.dim, dt);  // h projection
  Cost out;                         // Y = x + u (silu(hx + hp) - x)
  out.flops_vector = T * m.dim * 5;
  out.special_ops = T * m.dim;
  out.bytes_dram = T * m.dim * 4 * b;  // hx, hp, u, x in; Y out counted with hp
  out.launches = 1;
  return c + out;
}

}  // namespace

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.mega_ema";
  v.family = "attention/mega";
  v.summary = "Mega layer: multi-dimensional damped EMA (chunked or recurrent) feeding single-head "
              "softmax attention with reset/update gates";
  v.reference = "Ma et al. 2022, Mega: Moving Average Equipped Gated Attention (arXiv:2209.10655)";
  v.params = schema();
  v.validate = validate;
  v.cost = cost;
  v.test_shapes = {
      {{"seq", 1}, {"dim", 8}, {"zdim", 8}, {"hdim", 8}, {"ndim", 2}, {"mode", std::string("recurrent")}},
      {{"seq", 1}, {"dim", 8}, {"zdim", 8}, {"hdim", 8}, {"ndim", 1}, {"chunk", 1}},
      {{"seq", 45}, {"dim", 24}, {"zdim", 16}, {"hdim", 40}, {"ndim", 16}, {"chunk", 16}},
      {{"seq", 45}, {"dim", 24}, {"zdim", 16}, {"hdim", 40}, {"ndim", 16},
       {"mode", std::string("recurrent")}},
      {{"batch", 2}, {"seq", 130}, {"dim", 32}, {"zdim", 16}, {"hdim", 48}, {"ndim", 4},
       {"chunk", 64}, {"causal", false}},
      {{"seq", 100}, {"dim", 16}, {"zdim", 32}, {"hdim", 16}, {"ndim", 64}, {"chunk", 7}},
  };
  return v;
}

}  // namespace moat::variants::attention_mega_ema
