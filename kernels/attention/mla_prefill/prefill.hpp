#pragma once
// The Kokkos half of attention.mla_prefill (math and layout: spec.cpp, shape.hpp):
//   1. kv = c w_ukv                       one GEMM for every head's W_UK and W_UV (moe::DenseGemm)
//   2. K = [kv_nope_h | k_rope], V = kv_v_h  one elementwise pass into the flash layout
//   3. O = flash_forward(q, K, V)          MHA, causal (bottom-right) or full
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/attention/common/causal_mask.hpp"
#include "kernels/attention/common/flash.hpp"
#include "kernels/attention/mla_prefill/shape.hpp"
#include "kernels/moe/common/grouped_gemm.hpp"

namespace moat::variants::attention_mla_prefill {

// Device buffers of one problem and the three steps over them.
struct MlaPrefillDevice {
  MlaPrefillShape m;
  attention::AttentionShape s;
  moe::DenseGemm gemm;
  View4<float> q;       // [B][H][S_q][nope + rope]
  View2<float> c;       // [B * S_kv][kv_lora]
  View2<float> k_rope;  // [B * S_kv][rope]
  View3<float> w;       // [1][kv_lora][H * (nope + v)]
  View2<float> kv;      // [B * S_kv][H * (nope + v)]
  View4<float> k, v;    // flash layout
  View4<float> o;       // [B][H][S_q][v]

  explicit MlaPrefillDevice(const MlaPrefillShape& shape)
      : m(shape),
        s(attention_shape(shape)),
        gemm(shape.batch * shape.seq_kv),
        q(std::string("mla_q"), m.batch, m.heads, m.seq_q, m.key_dim()),
        c(std::string("mla_latent"), std::size_t(m.batch) * m.seq_kv, m.kv_lora),
        k_rope(std::string("mla_k_rope"), std::size_t(m.batch) * m.seq_kv, m.rope),
        w(std::string("mla_w_ukv"), 1, m.kv_lora, m.kv_width()),
        kv(std::string("mla_kv"), std::size_t(m.batch) * m.seq_kv, m.kv_width()),
        k(std::string("mla_k"), m.batch, m.heads, m.seq_kv, m.key_dim()),
        v(std::string("mla_v"), m.batch, m.heads, m.seq_kv, m.v),
        o(std::string("mla_o"), m.batch, m.heads, m.seq_q, m.v) {}

  // Host values in the layouts above.
  void set_inputs(const std::vector<float>& hq, const std::vector<float>& hc,
                  const std::vector<float>& hk_rope, const std::vector<float>& hw) {
    upload(q, hq);
    upload(c, hc);
    upload(k_rope, hk_rope);
    upload(w, hw);
  }

  void run() {
    gemm(c, w, kv);
    assemble();
    attention::flash_forward(q, k, v, o, s, attention::CausalOrFull::of(s, m.causal));
  }

  // One thread per element of K and V: consecutive threads write consecutive elements of a
  // (b, h, j) row [K row | V row].
  void assemble() const {
    const auto kv_ = kv;
    const auto kr = k_rope;
    const auto k_ = k;
    const auto v_ = v;
    const int heads = m.heads, seq = m.seq_kv, nope = m.nope, kd = m.key_dim(), vd = m.v;
    const int row = kd + vd, head_cols = nope + vd;
    const std::int64_t n = std::int64_t(m.batch) * heads * seq * row;
    Kokkos::parallel_for(
        "moat::mla_prefill::assemble",
        Kokkos::RangePolicy<ExecSpace, LaunchArgs, Kokkos::IndexType<std::int64_t>>(0, n),
        KOKKOS_LAMBDA(std::int64_t idx) {
          const int d = int(idx % row);
          const std::int64_t r = idx / row;
          const int j = int(r % seq), h = int(r / seq % heads), b = int(r / seq / heads);
          const std::int64_t t = std::int64_t(b) * seq + j;  // token row of kv / k_rope
          if (d < nope)
            k_(b, h, j, d) = kv_(t, h * head_cols + d);
          else if (d < kd)
            k_(b, h, j, d) = kr(t, d - nope);
          else
            v_(b, h, j, d - kd) = kv_(t, h * head_cols + nope + (d - kd));
        });
  }
};

}  // namespace moat::variants::attention_mla_prefill
