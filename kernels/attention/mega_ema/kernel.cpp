#include <cmath>
#include <map>
#include <memory>
#include <vector>

#include "kernels/attention/common/flash.hpp"
#include "kernels/attention/common/linear_instance.hpp"  // OutputReadback
#include "kernels/attention/common/mega_ema.hpp"
#include "kernels/attention/mega_ema/shape.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"
#include "kernels/moe/common/grouped_gemm.hpp"

namespace moat::variants::attention_mega_ema {
namespace {

using attention::mega::silu;

// Causal or full single-head attention; the reset gate r multiplies the output (finish hook).
struct ResetGated {
  View2<const float> r;  // [batch * seq][hdim]
  int seq;
  bool causal;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return causal ? i + 1 : seq; }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const { return !causal || j <= i; }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
  KOKKOS_INLINE_FUNCTION float finish(int b, int, int i, int d, float o) const {
    return r(b * seq + i, d) * o;
  }
};

double silu_d(double x) { return x / (1.0 + std::exp(-x)); }
double sigmoid_d(double x) { return 1.0 / (1.0 + std::exp(-x)); }

template <class V>
V to_device(V v, const std::vector<float>& h) {
  upload(v, h);
  return v;
}

class MegaInstance final : public KernelInstance, public attention::OutputReadback {
 public:
  explicit MegaInstance(const InstanceRequest& req)
      : m_(mega_shape(req.params)),
        s_(attention_shape(m_)),
        dtype_(req.dtype),
        T_(m_.batch * m_.seq),
        wide_(2 * m_.dim + m_.zdim + m_.hdim),
        gemm_(T_),
        work_(m_.batch, m_.seq, m_.dim, m_.ndim, m_.chunk) {
    const int d = m_.dim, nd = m_.ndim;
    const auto seed = req.seed * 11;
    hx_ = random_values(std::int64_t(T_) * d, dtype_, seed + 0);
    // EMA parameters, combined as the recurrence uses them (see mega_ema.hpp).
    const auto a = random_values(std::int64_t(d) * nd, DType::fp32, seed + 1);
    const auto dl = random_values(std::int64_t(d) * nd, DType::fp32, seed + 2);
    const auto be = random_values(std::int64_t(d) * nd, DType::fp32, seed + 3, 0.02);
    const auto eta = random_values(std::int64_t(d) * nd, DType::fp32, seed + 4);
    homega_ = random_values(d, DType::fp32, seed + 5);
    hp_.resize(a.size());
    hq_.resize(a.size());
    hc_.resize(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      const double alpha = sigmoid_d(a[i]), delta = sigmoid_d(dl[i]);
      const double beta = (i % nd % 2 ? -1.0 : 1.0) + be[i];
      hp_[i] = float(alpha * beta);
      hq_[i] = float(1.0 - alpha * delta);
      hc_[i] = float(eta[i] / std::sqrt(double(nd)));
    }
    hwmx_ = random_values(std::int64_t(d) * wide_, dtype_, seed + 6, 1.0 / std::sqrt(double(d)));
    hwv_ = random_values(std::int64_t(d) * m_.hdim, dtype_, seed + 7, 1.0 / std::sqrt(double(d)));
    hwh_ = random_values(std::int64_t(m_.hdim) * d, dtype_, seed + 8, 1.0 / std::sqrt(double(m_.hdim)));
    hqk_ = random_values(4 * std::int64_t(m_.zdim), DType::fp32, seed + 9);  // gamma_q, gamma_k, beta_q, beta_k
    for (int i = 2 * m_.zdim; i < 4 * m_.zdim; ++i) hqk_[i] *= 0.1f;
    ema_ = {to_device(View2<float>("mega_p", d, nd), hp_), to_device(View2<float>("mega_q", d, nd), hq_),
            to_device(View2<float>("mega_c", d, nd), hc_), to_device(View1<float>("mega_omega", d), homega_)};
    x_ = to_device(View2<float>("x", T_, d), hx_);
    wmx_ = to_device(View3<float>("w_mx", 1, d, wide_), hwmx_);
    wv_ = to_device(View3<float>("w_v", 1, d, m_.hdim), hwv_);
    wh_ = to_device(View3<float>("w_h", 1, m_.hdim, d), hwh_);
    qk_ = to_device(View2<float>("gamma_beta", 4, m_.zdim), hqk_);
    xe_ = View2<float>("x_ema", T_, d);
    base_ = View2<float>("base", T_, wide_);
    vpre_ = View2<float>("v_pre", T_, m_.hdim);
    r_ = View2<float>("reset_gate", T_, m_.hdim);
    q_ = View4<float>("q", m_.batch, 1, m_.seq, m_.zdim);
    k_ = View4<float>("k", m_.batch, 1, m_.seq, m_.zdim);
    v_ = View4<float>("v", m_.batch, 1, m_.seq, m_.hdim);
    g_ = View4<float>("gated_attn", m_.batch, 1, m_.seq, m_.hdim);
    hproj_ = View2<float>("h_proj", T_, d);
    y_ = View2<float>("y", T_, d);
  }

  void run() override {
    if (m_.chunked) attention::mega::ema_chunked(ema_, x_, xe_, m_.batch, m_.seq, m_.chunk, work_);
    else attention::mega::ema_recurrent(ema_, x_, xe_, m_.batch, m_.seq);
    gemm_(xe_, wmx_, base_);
    gemm_(x_, wv_, vpre_);
    activations();
    attention::flash_forward(q_, k_, v_, g_, s_, ResetGated{r_, m_.seq, m_.causal});
    gemm_(View2<const float>(g_.data(), T_, m_.hdim), wh_, hproj_);
    {
      auto base = base_;
      auto hp = hproj_;
      auto x = x_;
      auto y = y_;
      const int d = m_.dim, hx0 = m_.dim + m_.zdim + m_.hdim;
      Kokkos::parallel_for(
          "moat::mega::output", RangePolicy(0, T_), KOKKOS_LAMBDA(int t) {
            for (int c = 0; c < d; ++c) {
              const float u = 1.f / (1.f + kx::exp(-base(t, c)));
              const float h = silu(base(t, hx0 + c) + hp(t, c));
              y(t, c) = x(t, c) + u * (h - x(t, c));
            }
          });
    }
  }

  std::vector<float> output() override {
    run();
    Kokkos::fence();
    return download(y_);
  }

  CheckReport check() override {
    poison(y_);
    run();
    Kokkos::fence();
    const auto out = download(y_);
    const auto rows = rows_to_check(T_);
    std::vector<float> got;
    std::vector<double> want;
    for (auto t : rows) {
      got.insert(got.end(), out.begin() + t * m_.dim, out.begin() + (t + 1) * m_.dim);
      const auto y = oracle_row(int(t / m_.seq), int(t % m_.seq));
      want.insert(want.end(), y.begin(), y.end());
    }
    return compare_with_oracle(got, want,
                               oracle_tolerance(dtype_, m_.dim + m_.seq + m_.hdim + m_.chunk));
  }

 // Public: CUDA's extended (KOKKOS_LAMBDA) lambdas need a public enclosing member function.
  // u, z -> Q, K, r, V from the two projections.
  void activations() {
    auto base = base_;
    auto vpre = vpre_;
    auto qk = qk_;
    auto q = q_;
    auto k = k_;
    auto v = v_;
    auto r = r_;
    const int seq = m_.seq, d = m_.dim, z = m_.zdim, hd = m_.hdim;
    Kokkos::parallel_for(
        "moat::mega::activations", RangePolicy(0, T_), KOKKOS_LAMBDA(int t) {
          const int b = t / seq, i = t % seq;
          for (int c = 0; c < z; ++c) {
            const float zc = silu(base(t, d + c));
            q(b, 0, i, c) = qk(0, c) * zc + qk(2, c);
            k(b, 0, i, c) = qk(1, c) * zc + qk(3, c);
          }
          for (int c = 0; c < hd; ++c) {
            r(t, c) = silu(base(t, d + z + c));
            v(b, 0, i, c) = silu(vpre(t, c));
          }
        });
  }

 private:
  // Float64 layer for sequence b, row i: the EMA by its recurrence, every key's K and V.
  std::vector<double> oracle_row(int b, int i) {
    const int d = m_.dim, z = m_.zdim, hd = m_.hdim, nd = m_.ndim;
    auto& cache = cache_[b];
    if (cache.xe.empty()) {
      cache.xe.assign(std::size_t(m_.seq) * d, 0.0);
      std::vector<double> h(std::size_t(d) * nd, 0.0);
      for (int t = 0; t < m_.seq; ++t)
        for (int j = 0; j < d; ++j) {
          const double xv = x(b, t, j);
          double e = 0;
          for (int n = 0; n < nd; ++n) {
            const std::size_t jn = std::size_t(j) * nd + n;
            h[jn] = double(hp_[jn]) * xv + double(hq_[jn]) * h[jn];
            e += double(hc_[jn]) * h[jn];
          }
          cache.xe[std::size_t(t) * d + j] = silu_d(e + homega_[j] * xv);
        }
      cache.k.assign(std::size_t(m_.seq) * z, 0.0);
      cache.v.assign(std::size_t(m_.seq) * hd, 0.0);
      for (int t = 0; t < m_.seq; ++t) {
        const auto zt = proj_xe(cache, t, d, z);
        for (int c = 0; c < z; ++c) cache.k[std::size_t(t) * z + c] = hqk_[z + c] * silu_d(zt[c]) + hqk_[3 * z + c];
        for (int c = 0; c < hd; ++c) {
          double acc = 0;
          for (int j = 0; j < d; ++j) acc += x(b, t, j) * double(hwv_[std::size_t(j) * hd + c]);
          cache.v[std::size_t(t) * hd + c] = silu_d(acc);
        }
      }
    }
    const auto base = proj_xe(cache, i, 0, wide_);
    std::vector<double> q(z);
    for (int c = 0; c < z; ++c) q[c] = hqk_[c] * silu_d(base[d + c]) + hqk_[2 * z + c];
    const int end = m_.causal ? i + 1 : m_.seq;
    std::vector<double> logit(end), o(hd, 0.0);
    double mx = -INFINITY, sum = 0;
    for (int j = 0; j < end; ++j) {
      double dot = 0;
      for (int c = 0; c < z; ++c) dot += q[c] * cache.k[std::size_t(j) * z + c];
      mx = std::max(mx, logit[j] = dot * s_.scale);
    }
    for (int j = 0; j < end; ++j) {
      const double p = std::exp(logit[j] - mx);
      sum += p;
      for (int c = 0; c < hd; ++c) o[c] += p * cache.v[std::size_t(j) * hd + c];
    }
    std::vector<double> y(d);
    for (int c = 0; c < hd; ++c) o[c] = o[c] / sum * silu_d(base[d + z + c]);
    for (int c = 0; c < d; ++c) {
      double hp = 0;
      for (int e = 0; e < hd; ++e) hp += o[e] * double(hwh_[std::size_t(e) * d + c]);
      const double u = sigmoid_d(base[c]), h = silu_d(base[d + z + hd + c] + hp);
      y[c] = x(b, i, c) + u * (h - x(b, i, c));
    }
    return y;
  }

  struct Cache {
    std::vector<double> xe, k, v;
  };
  double x(int b, int t, int j) const { return hx_[(std::size_t(b) * m_.seq + t) * m_.dim + j]; }
  // Columns [c0, c0 + n) of X'_t W_mx.
  std::vector<double> proj_xe(const Cache& cache, int t, int c0, int n) const {
    std::vector<double> out(n, 0.0);
    for (int j = 0; j < m_.dim; ++j) {
      const double xv = cache.xe[std::size_t(t) * m_.dim + j];
      const float* w = &hwmx_[std::size_t(j) * wide_ + c0];
      for (int c = 0; c < n; ++c) out[c] += xv * w[c];
    }
    return out;
  }

  MegaShape m_;
  attention::AttentionShape s_;
  DType dtype_;
  int T_, wide_;
  moe::DenseGemm gemm_;
  attention::mega::EmaChunkWork work_;
  std::vector<float> hx_, hp_, hq_, hc_, homega_, hwmx_, hwv_, hwh_, hqk_;
  std::map<int, Cache> cache_;
  attention::mega::EmaParams ema_;
  View2<const float> x_, qk_;
  View3<const float> wmx_, wv_, wh_;
  View2<float> xe_, base_, vpre_, r_, hproj_, y_;
  View4<float> q_, k_, v_, g_;
};

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  return std::make_unique<MegaInstance>(req);
}

}  // namespace moat::variants::attention_mega_ema
