#include <cmath>
#include <map>
#include <memory>
#include <vector>

#include "kernels/attention/common/causal_mask.hpp"
#include "kernels/attention/common/flash.hpp"
#include "kernels/attention/switchhead/shape.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"
#include "kernels/moe/common/dispatch.hpp"
#include "kernels/moe/common/grouped_gemm.hpp"
#include "kernels/moe/common/routing.hpp"

namespace moat::variants::attention_switchhead {
namespace {

// Top-k of one head's E logits by value (ties: lower expert); weight = sigmoid(logit). Writes
// global expert ids head * E + e.
KOKKOS_INLINE_FUNCTION void sigmoid_topk(const float* row, int experts, int k, int first,
                                         int* idx, float* w) {
  for (int s = 0; s < k; ++s) {
    int best = -1;
    for (int e = 0; e < experts; ++e) {
      bool taken = false;
      for (int q = 0; q < s; ++q) taken = taken || idx[q] == first + e;
      if (!taken && (best < 0 || row[e] > row[best])) best = e;
    }
    idx[s] = first + best;
    w[s] = 1.f / (1.f + kx::exp(-row[best]));
  }
}

std::vector<std::pair<int, double>> sigmoid_topk_ref(const std::vector<double>& l, int first,
                                                     int experts, int k) {
  std::vector<std::pair<int, double>> out;
  std::vector<bool> taken(experts, false);
  for (int s = 0; s < k; ++s) {
    int best = -1;
    for (int e = 0; e < experts; ++e)
      if (!taken[e] && (best < 0 || l[first + e] > l[first + best])) best = e;
    taken[best] = true;
    out.push_back({best, 1.0 / (1.0 + std::exp(-l[first + best]))});
  }
  return out;
}

View2<const float> device2(const std::string& name, const std::vector<float>& h, int d0, int d1) {
  View2<float> v(name, d0, d1);
  upload(v, h);
  return v;
}

class SwitchHeadInstance final : public KernelInstance {
 public:
  explicit SwitchHeadInstance(const InstanceRequest& req)
      : s_(shape_of(req.params)),
        hidden_(int(req.params.i("hidden"))),
        e_(int(req.params.i("experts"))),
        k_(int(req.params.i("top_k"))),
        causal_(req.params.b("causal")),
        dtype_(req.dtype),
        src_(s_.batch * s_.seq_kv),
        dst_(s_.batch * s_.seq_q),
        disp_v_(src_, s_.heads_q * k_, s_.heads_q * e_),
        disp_o_(dst_ * s_.heads_q, k_, s_.heads_q * e_),
        tiles_v_(moe::RowTileList::capacity_for(std::int64_t(src_) * s_.heads_q * k_, s_.heads_q * e_)),
        tiles_o_(moe::RowTileList::capacity_for(std::int64_t(dst_) * s_.heads_q * k_, s_.heads_q * e_)) {
    const int H = s_.heads_q, he = H * e_, dv = s_.value_dim;
    const double rs = 1.0 / std::sqrt(double(hidden_));
    hq_ = random_values(s_.q_elems(), dtype_, req.seed * 3 + 0);
    hk_ = random_values(s_.k_elems(), dtype_, req.seed * 3 + 1);
    hx_ = random_values(std::int64_t(src_) * hidden_, dtype_, req.seed * 7 + 2);
    hws_ = random_values(std::int64_t(hidden_) * he, dtype_, req.seed * 7 + 3, rs);
    hwd_ = random_values(std::int64_t(hidden_) * he, dtype_, req.seed * 7 + 4, rs);
    hwv_ = random_values(std::int64_t(he) * hidden_ * dv, dtype_, req.seed * 7 + 5, rs);
    hwo_ = random_values(std::int64_t(he) * dv * hidden_, dtype_, req.seed * 7 + 6, 1.0 / std::sqrt(double(dv)));
    View4<float> q("q", s_.batch, H, s_.seq_q, s_.head_dim), k("k", s_.batch, H, s_.seq_kv, s_.head_dim);
    upload(q, hq_);
    upload(k, hk_);
    q_ = q;
    k_view_ = k;
    x_ = device2("x", hx_, src_, hidden_);
    std::vector<float> xd;  // destination tokens: the last seq_q rows of each sequence
    for (int b = 0; b < s_.batch; ++b)
      xd.insert(xd.end(), hx_.begin() + (std::size_t(b) * s_.seq_kv + s_.seq_kv - s_.seq_q) * hidden_,
                hx_.begin() + std::size_t(b + 1) * s_.seq_kv * hidden_);
    x_dst_ = device2("x_dst", xd, dst_, hidden_);
    w_src_ = device2("router_src", hws_, hidden_, he);
    w_dst_ = device2("router_dst", hwd_, hidden_, he);
    View3<float> wv("w_value", he, hidden_, dv), wo("w_out", he, dv, hidden_);
    upload(wv, hwv_);
    upload(wo, hwo_);
    w_v_ = wv;
    w_o_ = wo;
    logits_src_ = View2<float>("logits_src", src_, he);
    logits_dst_ = View2<float>("logits_dst", dst_, he);
    idx_v_ = View2<int>("idx_value", src_, H * k_);
    wt_v_ = View2<float>("w_value_gate", src_, H * k_);
    idx_o_ = View2<int>("idx_out", dst_ * H, k_);
    wt_o_ = View2<float>("w_out_gate", dst_ * H, k_);
    xp_v_ = View2<float>("x_permuted", std::int64_t(src_) * H * k_, hidden_);
    yp_v_ = View2<float>("v_expert_rows", std::int64_t(src_) * H * k_, dv);
    v_ = View4<float>("v", s_.batch, H, s_.seq_kv, dv);
    a_ = View4<float>("attn", s_.batch, H, s_.seq_q, dv);
    xp_o_ = View2<float>("attn_permuted", std::int64_t(dst_) * H * k_, dv);
    yp_o_ = View2<float>("o_expert_rows", std::int64_t(dst_) * H * k_, hidden_);
    y_ = View2<float>("y", dst_, hidden_);
  }

  void run() override {
    const int H = s_.heads_q, E = e_, K = k_, dv = s_.value_dim;
    // Source side: V^h_j = sum_{e in top_k} s_e x_j W_V^{h,e}.
    moe::router_logits(x_, w_src_, logits_src_);
    {
      auto l = logits_src_;
      auto idx = idx_v_;
      auto w = wt_v_;
      Kokkos::parallel_for(
          "moat::switchhead::select_src", RangePolicy(0, src_ * H), KOKKOS_LAMBDA(int th) {
            const int t = th / H, h = th % H;
            sigmoid_topk(&l(t, h * E), E, K, h * E, &idx(t, h * K), &w(t, h * K));
          });
    }
    moe::dispatch(idx_v_, x_, disp_v_, xp_v_);
    moe::grouped_gemm(tiles_v_.view(), tiles_v_.set(disp_v_.host_offsets), xp_v_, w_v_, w_v_,
                      yp_v_, moe::IdentityEpilogue{});
    {
      auto pos = disp_v_.position;
      auto w = wt_v_;
      auto yp = yp_v_;
      auto v = v_;
      const int seq = s_.seq_kv;
      Kokkos::parallel_for(
          "moat::switchhead::combine_values", RangePolicy(0, src_ * H), KOKKOS_LAMBDA(int th) {
            const int t = th / H, h = th % H, b = t / seq, j = t % seq;
            for (int d = 0; d < dv; ++d) v(b, h, j, d) = 0.f;
            for (int s = 0; s < K; ++s) {
              const float ws = w(t, h * K + s);
              const int p = pos(t, h * K + s);
              for (int d = 0; d < dv; ++d) v(b, h, j, d) += ws * yp(p, d);
            }
          });
    }
    // One attention matrix per head.
    attention::flash_forward(q_, k_view_, v_, a_, s_,
                             attention::CausalOrFull::of(s_, causal_));
    // Destination side: y_i = sum_h sum_{e in top_k} d_e A^h_i W_O^{h,e}. The attention rows
    // [b][h][i] are the dispatched "tokens", in that order.
    moe::router_logits(x_dst_, w_dst_, logits_dst_);
    {
      auto l = logits_dst_;
      auto idx = idx_o_;
      auto w = wt_o_;
      const int seq = s_.seq_q;
      Kokkos::parallel_for(
          "moat::switchhead::select_dst", RangePolicy(0, dst_ * H),
          KOKKOS_LAMBDA(int r) {  // r = (b * H + h) * seq_q + i
            const int i = r % seq, h = r / seq % H, b = r / seq / H;
            sigmoid_topk(&l(b * seq + i, h * E), E, K, h * E, &idx(r, 0), &w(r, 0));
          });
    }
    const View2<const float> a_rows(a_.data(), std::int64_t(dst_) * H, dv);
    moe::dispatch(idx_o_, a_rows, disp_o_, xp_o_);
    moe::grouped_gemm(tiles_o_.view(), tiles_o_.set(disp_o_.host_offsets), xp_o_, w_o_, w_o_,
                      yp_o_, moe::IdentityEpilogue{});
    {
      auto pos = disp_o_.position;
      auto w = wt_o_;
      auto yp = yp_o_;
      auto y = y_;
      const int seq = s_.seq_q, hid = hidden_;
      Kokkos::parallel_for(
          "moat::switchhead::combine_heads", RangePolicy(0, dst_), KOKKOS_LAMBDA(int t) {
            const int b = t / seq, i = t % seq;
            float* __restrict__ out = &y(t, 0);
            for (int c = 0; c < hid; ++c) out[c] = 0.f;
            for (int h = 0; h < H; ++h)
              for (int s = 0; s < K; ++s) {
                const int r = (b * H + h) * seq + i;
                const float ws = w(r, s);
                const float* __restrict__ row = &yp(pos(r, s), 0);
                for (int c = 0; c < hid; ++c) out[c] += ws * row[c];
              }
          });
    }
  }

  CheckReport check() override {
    poison(y_);
    run();
    Kokkos::fence();
    const auto out = download(y_);
    const auto rows = rows_to_check(dst_);
    std::vector<float> got;
    std::vector<double> want;
    for (auto t : rows) {
      got.insert(got.end(), out.begin() + t * hidden_, out.begin() + (t + 1) * hidden_);
      const auto y = oracle_row(int(t / s_.seq_q), int(t % s_.seq_q));
      want.insert(want.end(), y.begin(), y.end());
    }
    // seq_q <= seq_kv (validated): every query sees at least one key, so no zero reference.
    return compare_with_oracle(
        got, want, oracle_tolerance(dtype_, hidden_ + s_.seq_kv + s_.value_dim + s_.head_dim));
  }

 private:
  // Router logits of source row (b, j) in double, width heads * experts.
  std::vector<double> logits_ref(const std::vector<float>& w, int b, int j) const {
    const int he = s_.heads_q * e_;
    std::vector<double> l(he, 0.0);
    const float* x = &hx_[(std::size_t(b) * s_.seq_kv + j) * hidden_];
    for (int c = 0; c < hidden_; ++c)
      for (int e = 0; e < he; ++e) l[e] += double(x[c]) * w[std::size_t(c) * he + e];
    return l;
  }

  // V^h_j in double (cached per (b, h, j)).
  const std::vector<double>& value_ref(int b, int h, int j) {
    const long key = (long(b) * s_.heads_q + h) * s_.seq_kv + j;
    auto it = v_cache_.find(key);
    if (it != v_cache_.end()) return it->second;
    const int dv = s_.value_dim;
    std::vector<double> v(dv, 0.0);
    const float* x = &hx_[(std::size_t(b) * s_.seq_kv + j) * hidden_];
    for (auto [e, g] : sigmoid_topk_ref(logits_ref(hws_, b, j), h * e_, e_, k_)) {
      const float* w = &hwv_[std::size_t(h * e_ + e) * hidden_ * dv];
      for (int c = 0; c < hidden_; ++c)
        for (int d = 0; d < dv; ++d) v[d] += g * double(x[c]) * w[std::size_t(c) * dv + d];
    }
    return v_cache_.emplace(key, std::move(v)).first->second;
  }

  std::vector<double> oracle_row(int b, int i) {
    const int dv = s_.value_dim, off = s_.seq_kv - s_.seq_q, pos = i + off;
    const auto ld = logits_ref(hwd_, b, pos);
    std::vector<double> y(hidden_, 0.0);
    for (int h = 0; h < s_.heads_q; ++h) {
      const float* q = &hq_[((std::size_t(b) * s_.heads_q + h) * s_.seq_q + i) * s_.head_dim];
      const int end = causal_ ? pos + 1 : s_.seq_kv;
      std::vector<double> logit(end);
      double m = -INFINITY;
      for (int j = 0; j < end; ++j) {
        const float* kr = &hk_[((std::size_t(b) * s_.heads_q + h) * s_.seq_kv + j) * s_.head_dim];
        double dot = 0;
        for (int d = 0; d < s_.head_dim; ++d) dot += double(q[d]) * kr[d];
        m = std::max(m, logit[j] = dot * s_.scale);
      }
      std::vector<double> a(dv, 0.0);
      double sum = 0;
      for (int j = 0; j < end; ++j) {
        const double p = std::exp(logit[j] - m);
        sum += p;
        const auto& v = value_ref(b, h, j);
        for (int d = 0; d < dv; ++d) a[d] += p * v[d];
      }
      for (auto& x : a) x /= sum;
      for (auto [e, g] : sigmoid_topk_ref(ld, h * e_, e_, k_)) {
        const float* w = &hwo_[std::size_t(h * e_ + e) * dv * hidden_];
        for (int d = 0; d < dv; ++d)
          for (int c = 0; c < hidden_; ++c) y[c] += g * a[d] * w[std::size_t(d) * hidden_ + c];
      }
    }
    return y;
  }

  attention::AttentionShape s_;
  int hidden_, e_, k_;
  bool causal_;
  DType dtype_;
  int src_, dst_;
  moe::Dispatch disp_v_, disp_o_;
  moe::RowTileList tiles_v_, tiles_o_;
  std::vector<float> hq_, hk_, hx_, hws_, hwd_, hwv_, hwo_;
  std::map<long, std::vector<double>> v_cache_;
  View4<const float> q_, k_view_;
  View2<const float> x_, x_dst_, w_src_, w_dst_;
  View3<const float> w_v_, w_o_;
  View2<float> logits_src_, logits_dst_, wt_v_, wt_o_, xp_v_, yp_v_, xp_o_, yp_o_, y_;
  View2<int> idx_v_, idx_o_;
  View4<float> v_, a_;
};

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  return std::make_unique<SwitchHeadInstance>(req);
}

}  // namespace moat::variants::attention_switchhead
