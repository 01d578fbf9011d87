#pragma once
// attention.moh instance (the math is in spec.cpp): router -> gates -> per-head compaction of
// the selected tokens -> flash attention over compact rows, gate in the finish hook -> scatter.
// In a header so test.cpp can build it with a uniform router and compare with plain attention.
#include <cmath>
#include <memory>
#include <vector>

#include "kernels/attention/common/flash.hpp"
#include "kernels/attention/common/oracle.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"
#include "kernels/moe/common/routing.hpp"

namespace moat::variants::attention_moh {

// Compact row c of (b, h) is the token pos(b, h, c); rows c >= count(b, h) are padding.
struct CompactRows {
  View3<const int> pos;
  View2<const int> count;
  View3<const float> gate;
  int seq_kv, offset;
  bool causal;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int b, int h, int c) const {
    if (c >= count(b, h)) return 0;
    return causal ? kx::min(seq_kv, pos(b, h, c) + offset + 1) : seq_kv;
  }
  KOKKOS_INLINE_FUNCTION bool visible(int b, int h, int c, int j) const {
    return j < key_end(b, h, c);
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
  KOKKOS_INLINE_FUNCTION float finish(int b, int h, int c, int, float o) const {
    return gate(b, h, c) * o;
  }
};

class MohInstance final : public KernelInstance {
 public:
  // router_scale 0 gives all-zero router weights: uniform gates (the property test).
  MohInstance(const InstanceRequest& req, double router_scale = -1)
      : s_(attention::shape_from(req.params)),
        shared_(int(req.params.i("shared_heads"))),
        routed_(s_.heads_q - shared_),
        k_(int(req.params.i("top_k"))),
        hidden_(int(req.params.i("hidden"))),
        causal_(req.params.b("causal")),
        dtype_(req.dtype),
        tokens_(s_.batch * s_.seq_q) {
    const double ws = router_scale < 0 ? 1.0 / std::sqrt(double(hidden_)) : router_scale;
    hq_ = random_values(s_.q_elems(), dtype_, req.seed * 3 + 0);
    hk_ = random_values(s_.k_elems(), dtype_, req.seed * 3 + 1);
    hv_ = random_values(s_.v_elems(), dtype_, req.seed * 3 + 2);
    hx_ = random_values(std::int64_t(tokens_) * hidden_, dtype_, req.seed * 7 + 3);
    hwr_ = random_values(std::int64_t(hidden_) * routed_, dtype_, req.seed * 7 + 4, ws);
    hws_ = random_values(std::int64_t(hidden_) * (shared_ + 2), dtype_, req.seed * 7 + 5, ws);
    q_ = to_device4("q", hq_, s_.heads_q, s_.seq_q, s_.head_dim);
    k_view_ = to_device4("k", hk_, s_.heads_kv, s_.seq_kv, s_.head_dim);
    v_ = to_device4("v", hv_, s_.heads_kv, s_.seq_kv, s_.value_dim);
    x_ = to_device2("x", hx_, tokens_, hidden_);
    wr_ = to_device2("router_routed", hwr_, hidden_, routed_);
    ws_ = to_device2("router_shared_stage", hws_, hidden_, shared_ + 2);
    logits_r_ = View2<float>("logits_routed", tokens_, routed_);
    logits_s_ = View2<float>("logits_shared_stage", tokens_, shared_ + 2);
    idx_ = View2<int>("routed_heads", tokens_, k_);
    w_ = View2<float>("routed_weights", tokens_, k_);
    sgate_ = View2<float>("shared_gates", tokens_, shared_ + 1);  // + a2 in the last column
    pos_ = View3<int>("compact_pos", s_.batch, s_.heads_q, s_.seq_q);
    slot_ = View3<int>("compact_slot", s_.batch, s_.heads_q, s_.seq_q);
    count_ = View2<int>("compact_count", s_.batch, s_.heads_q);
    gate_ = View3<float>("compact_gate", s_.batch, s_.heads_q, s_.seq_q);
    qc_ = View4<float>("q_compact", s_.batch, s_.heads_q, s_.seq_q, s_.head_dim);
    oc_ = View4<float>("o_compact", s_.batch, s_.heads_q, s_.seq_q, s_.value_dim);
    o_ = View4<float>("o", s_.batch, s_.heads_q, s_.seq_q, s_.value_dim);
  }

  void run() override {
    moe::router_logits(x_, wr_, logits_r_);
    moe::select_experts(logits_r_, idx_, w_, moe::SoftmaxTopK{false});
    moe::router_logits(x_, ws_, logits_s_);
    stage_gates();
    compact();
    const int off = s_.seq_kv - s_.seq_q;
    attention::flash_forward(qc_, k_view_, v_, oc_, s_,
                             CompactRows{pos_, count_, gate_, s_.seq_kv, off, causal_});
    scatter();
  }

  CheckReport check() override {
    poison(o_);
    run();
    Kokkos::fence();
    const std::vector<float> out = download(o_);
    const auto rows = rows_to_check(s_.rows());
    std::vector<float> got;
    for (auto r : rows)
      got.insert(got.end(), out.begin() + r * s_.value_dim, out.begin() + (r + 1) * s_.value_dim);
    const auto g = host_gates();
    const int off = s_.seq_kv - s_.seq_q;
    const bool causal = causal_;
    const int heads = s_.heads_q, seq_q = s_.seq_q;
    auto visible = [=](int, int, int i, int j) { return !causal || j <= i + off; };
    auto want = attention::oracle_softmax_rows(
        s_, hq_, hk_, hv_, rows, visible, [](int, int, int, int, double x) { return x; }, {},
        [&](int b, int h, int i, int, double o) {
          return g[(std::size_t(b) * seq_q + i) * heads + h] * o;
        });
    bool any_visible = false;  // seq_q > seq_kv causal: sampled rows may see no key at all
    for (auto r : rows) any_visible = any_visible || visible(0, 0, attention::row_index(s_, r).i, 0);
    return compare_with_oracle(got, want, oracle_tolerance(dtype_, s_.head_dim + s_.seq_kv + hidden_),
                               !any_visible);
  }

  std::vector<float> output() {
    run();
    Kokkos::fence();
    return download(o_);
  }
  const View4<const float>& q() const { return q_; }
  const View4<const float>& k() const { return k_view_; }
  const View4<const float>& v() const { return v_; }
  const attention::AttentionShape& shape() const { return s_; }

  // Float64 gates [batch * seq_q][heads_q] from the host inputs (see spec.cpp).
  std::vector<double> host_gates() const {
    std::vector<double> g(std::size_t(tokens_) * s_.heads_q, 0.0);
    for (int t = 0; t < tokens_; ++t) {
      std::vector<double> lr(routed_, 0.0), ls(shared_ + 2, 0.0);
      for (int c = 0; c < hidden_; ++c) {
        const double xv = hx_[std::size_t(t) * hidden_ + c];
        for (int e = 0; e < routed_; ++e) lr[e] += xv * hwr_[std::size_t(c) * routed_ + e];
        for (int e = 0; e < shared_ + 2; ++e) ls[e] += xv * hws_[std::size_t(c) * (shared_ + 2) + e];
      }
      auto softmax = [](double* p, int n) {
        double m = p[0], sum = 0;
        for (int e = 1; e < n; ++e) m = std::max(m, p[e]);
        for (int e = 0; e < n; ++e) sum += (p[e] = std::exp(p[e] - m));
        for (int e = 0; e < n; ++e) p[e] /= sum;
      };
      softmax(lr.data(), routed_);
      softmax(ls.data(), shared_);
      softmax(ls.data() + shared_, 2);
      double* row = &g[std::size_t(t) * s_.heads_q];
      for (int h = 0; h < shared_; ++h) row[h] = ls[shared_] * ls[h];
      std::vector<bool> taken(routed_, false);
      for (int s = 0; s < k_; ++s) {
        int best = -1;
        for (int e = 0; e < routed_; ++e)
          if (!taken[e] && (best < 0 || lr[e] > lr[best])) best = e;
        taken[best] = true;
        row[shared_ + best] = ls[shared_ + 1] * lr[best];
      }
    }
    return g;
  }

 private:
  template <class T>
  View4<const float> to_device4(const char* name, const std::vector<T>& h, int d1, int d2, int d3) {
    View4<float> v(std::string(name), s_.batch, d1, d2, d3);
    upload(v, h);
    return v;
  }
  View2<const float> to_device2(const char* name, const std::vector<float>& h, int d0, int d1) {
    View2<float> v(std::string(name), d0, d1);
    upload(v, h);
    return v;
  }

 public:
  // Public: CUDA's extended (KOKKOS_LAMBDA) lambdas need a public enclosing member function.
  // sgate(t, h) = a1 softmax(shared logits)_h for h < shared; sgate(t, shared) = a2.
  void stage_gates() {
    auto ls = logits_s_;
    auto sg = sgate_;
    const int n = shared_;
    Kokkos::parallel_for(
        "moat::moh::stage_gates", RangePolicy(0, tokens_), KOKKOS_LAMBDA(int t) {
          float m = ls(t, 0);
          for (int h = 1; h < n; ++h) m = kx::max(m, ls(t, h));
          float sum = 0.f;
          for (int h = 0; h < n; ++h) sum += (sg(t, h) = kx::exp(ls(t, h) - m));
          const float a0 = ls(t, n), a1 = ls(t, n + 1), am = kx::max(a0, a1);
          const float e0 = kx::exp(a0 - am), e1 = kx::exp(a1 - am);
          const float alpha1 = e0 / (e0 + e1);
          for (int h = 0; h < n; ++h) sg(t, h) *= alpha1 / sum;
          sg(t, n) = e1 / (e0 + e1);
        });
  }

  // One thread per (batch, head) walks the tokens in order: deterministic compact rows.
  void compact() {
    auto idx = idx_;
    auto w = w_;
    auto sg = sgate_;
    auto pos = pos_;
    auto slot = slot_;
    auto count = count_;
    auto gate = gate_;
    const int heads = s_.heads_q, seq = s_.seq_q, shared = shared_, k = k_;
    Kokkos::parallel_for(
        "moat::moh::compact", RangePolicy(0, s_.batch * heads), KOKKOS_LAMBDA(int bh) {
          const int b = bh / heads, h = bh % heads;
          int c = 0;
          for (int i = 0; i < seq; ++i) {
            const int t = b * seq + i;
            float g = 0.f;
            bool on = h < shared;
            if (on) {
              g = sg(t, h);
            } else {
              for (int s = 0; s < k; ++s)
                if (idx(t, s) == h - shared) {
                  on = true;
                  g = sg(t, shared) * w(t, s);
                }
            }
            slot(b, h, i) = on ? c : -1;
            if (on) {
              pos(b, h, c) = i;
              gate(b, h, c) = g;
              ++c;
            }
          }
          count(b, h) = c;
          for (int r = c; r < seq; ++r) gate(b, h, r) = 0.f;
        });
    auto q = q_;
    auto qc = qc_;
    const int d = s_.head_dim;
    Kokkos::parallel_for(
        "moat::moh::gather_q", RangePolicy(0, s_.batch * heads * seq), KOKKOS_LAMBDA(int r) {
          const int c = r % seq, h = r / seq % heads, b = r / seq / heads;
          if (c >= count(b, h)) return;
          const int i = pos(b, h, c);
          for (int e = 0; e < d; ++e) qc(b, h, c, e) = q(b, h, i, e);
        });
  }

  void scatter() {
    auto slot = slot_;
    auto oc = oc_;
    auto o = o_;
    const int heads = s_.heads_q, seq = s_.seq_q, dv = s_.value_dim;
    Kokkos::parallel_for(
        "moat::moh::scatter", RangePolicy(0, s_.batch * heads * seq), KOKKOS_LAMBDA(int r) {
          const int i = r % seq, h = r / seq % heads, b = r / seq / heads;
          const int c = slot(b, h, i);
          for (int e = 0; e < dv; ++e) o(b, h, i, e) = c >= 0 ? oc(b, h, c, e) : 0.f;
        });
  }

 private:
  attention::AttentionShape s_;
  int shared_, routed_, k_, hidden_;
  bool causal_;
  DType dtype_;
  int tokens_;
  std::vector<float> hq_, hk_, hv_, hx_, hwr_, hws_;
  View4<const float> q_, k_view_, v_;
  View2<const float> x_, wr_, ws_;
  View2<float> logits_r_, logits_s_, w_, sgate_;
  View2<int> idx_, count_;
  View3<int> pos_, slot_;
  View3<float> gate_;
  View4<float> qc_, oc_, o_;
};

}  // namespace moat::variants::attention_moh
