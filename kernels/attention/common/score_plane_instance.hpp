#pragma once
// KernelInstance for the score-plane skeleton and its float64 oracle: the mixing formula of
// score_plane_spec.hpp evaluated literally per checked row (whole plane rows in double, no
// blocks, no workspace), with the same seeded mixing weights as the kernel.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "kernels/attention/common/device_qkv.hpp"
#include "kernels/attention/common/oracle.hpp"
#include "kernels/attention/common/score_plane_skeleton.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"

namespace moat::attention {

struct PlaneHostWeights {
  std::vector<float> pre, post;  // layouts of PlaneWeights
};

inline std::vector<double> oracle_plane_rows(const AttentionShape& s, const PlaneGeometry& g,
                                             const PlaneHostWeights& w, const std::vector<float>& q,
                                             const std::vector<float>& k, const std::vector<float>& v,
                                             const std::vector<std::int64_t>& rows) {
  const int n = s.seq_kv, off = s.seq_kv - s.seq_q, G = g.group, kc = (g.ck - 1) / 2;
  auto visible = [&](int i, int j) { return !g.causal || j <= i + off; };
  auto raw = [&](int b, int h, int i, int j) -> double {  // Mask_0 plane, 0 outside
    if (i < 0 || j < 0 || j >= n || !visible(i, j)) return 0.0;
    const int hk = h / s.group();
    double dot = 0;
    for (int d = 0; d < s.head_dim; ++d)
      dot += double(q[((std::size_t(b) * s.heads_q + h) * s.seq_q + i) * s.head_dim + d]) *
             double(k[((std::size_t(b) * s.heads_kv + hk) * n + j) * s.head_dim + d]);
    return dot * s.scale;
  };
  std::vector<double> out;
  for (auto flat : rows) {
    const RowIndex r = row_index(s, flat);
    const int gi = r.h / G, og = r.h % G;
    // softmax rows of every head of the group that feeds this row's output
    std::vector<std::vector<double>> prob(G);
    for (int h = 0; h < G; ++h) {
      if (!g.post_mix && h != og) continue;
      std::vector<double> x(n, -INFINITY);
      double m = -INFINITY;
      for (int j = 0; j < n; ++j) {
        if (!visible(r.i, j)) continue;
        double acc = 0;
        for (int p = 0; p < g.pre_heads(); ++p) {
          const int hs = gi * G + (g.pre_dense ? p : h);
          for (int a = 0; a < g.cq; ++a)
            for (int c = 0; c < g.ck; ++c)
              acc += double(w.pre[(((std::size_t(gi) * G + h) * g.pre_heads() + p) * g.cq + a) * g.ck + c]) *
                     raw(r.b, hs, r.i - (g.cq - 1) + a, j - kc + c);
        }
        x[j] = acc;
        m = std::max(m, acc);
      }
      prob[h].assign(n, 0.0);
      if (m == -INFINITY) continue;  // no visible key
      double l = 0;
      for (int j = 0; j < n; ++j) l += x[j] == -INFINITY ? 0.0 : std::exp(x[j] - m);
      for (int j = 0; j < n; ++j) prob[h][j] = x[j] == -INFINITY ? 0.0 : std::exp(x[j] - m) / l;
    }
    std::vector<double> o(s.value_dim, 0.0);
    const int hk = r.h / s.group();
    for (int j = 0; j < n; ++j) {
      double wj = 0;
      if (g.post_mix)
        for (int h = 0; h < G; ++h) wj += double(w.post[(std::size_t(gi) * G + og) * G + h]) * prob[h][j];
      else
        wj = prob[og][j];
      for (int d = 0; d < s.value_dim; ++d)
        o[d] += wj * double(v[((std::size_t(r.b) * s.heads_kv + hk) * n + j) * s.value_dim + d]);
    }
    out.insert(out.end(), o.begin(), o.end());
  }
  return out;
}

class ScorePlaneInstance final : public KernelInstance {
 public:
  ScorePlaneInstance(const InstanceRequest& req, AttentionShape shape, PlaneGeometry geometry,
                     PlaneHostWeights weights)
      : s_(shape), g_(geometry), hw_(std::move(weights)), dtype_(req.dtype) {
    hq_ = random_values(s_.q_elems(), dtype_, req.seed * 3 + 0);
    hk_ = random_values(s_.k_elems(), dtype_, req.seed * 3 + 1);
    hv_ = random_values(s_.v_elems(), dtype_, req.seed * 3 + 2);
    const auto qkv = upload_qkv(s_, hq_, hk_, hv_);
    q_ = qkv.q, k_ = qkv.k, v_ = qkv.v;
    o_ = output_view(s_);
    View1<float> pre("plane_pre", hw_.pre.size()), post("plane_post", std::max<std::size_t>(1, hw_.post.size()));
    upload(pre, hw_.pre);
    if (!hw_.post.empty()) upload(post, hw_.post);
    w_ = {pre, post};
    ws_ = plane_workspace(s_, g_);
  }

  void run() override { score_plane_forward(q_, k_, v_, o_, s_, g_, w_, ws_); }

  CheckReport check() override {
    poison(o_);
    run();
    Kokkos::fence();
    const std::vector<float> out = download(o_);
    const auto rows = rows_to_check(s_.rows(), 128);
    std::vector<float> got;
    for (auto r : rows)
      got.insert(got.end(), out.begin() + r * s_.value_dim, out.begin() + (r + 1) * s_.value_dim);
    const auto want = oracle_plane_rows(s_, g_, hw_, hq_, hk_, hv_, rows);
    bool some_row_blind = false;  // causal rows before the first key legitimately output 0
    for (auto r : rows) some_row_blind |= g_.causal && row_index(s_, r).i + s_.seq_kv - s_.seq_q < 0;
    return compare_with_oracle(got, want,
                               oracle_tolerance(dtype_, s_.head_dim + s_.seq_kv + g_.cq * g_.ck * g_.group),
                               some_row_blind);
  }

 private:
  AttentionShape s_;
  PlaneGeometry g_;
  PlaneHostWeights hw_;
  DType dtype_;
  std::vector<float> hq_, hk_, hv_;
  View4<const float> q_, k_, v_;
  View4<float> o_;
  PlaneWeights w_;
  View1<float> ws_;
};

}  // namespace moat::attention
