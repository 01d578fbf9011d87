#pragma once
// Pooled-gate block selector (MoBA, SeerAttention, BiFormer): key blocks are mean-pooled per KV
// head; each query group (one token, or one query block mean-pooled) scores every candidate
// block by a dot product, optionally after projecting both sides with W_q, W_k [head_dim][gate]
// (SeerAttention's gate), keeps the top picks (ties: lower block) and adds the forced current
// block when causal. Three launches: pool K (+project), pool Q (+project, groups > 1), select.
#include <vector>

#include "kernels/attention/common/block_sparse_instance.hpp"

namespace moat::attention {

struct PooledGate {
  BlockGeometry geo;
  int top_k = 1, width = 1;
  int heads_q = 1, heads_kv = 1, head_dim = 1;
  int gate_dim = 0;                    // 0: no projection
  View2<const float> wq, wk;           // [head_dim][gate_dim] when projecting
  std::vector<float> hwq, hwk;         // host copies for the twin
  View4<float> kmean, kproj, qmean, qproj;  // pooled (and projected) keys / query groups

  PooledGate(const AttentionShape& s, BlockGeometry g, int k, int gate = 0,
             std::uint64_t seed = 0)
      : geo(g), top_k(k), width(g.list_width(k)), heads_q(s.heads_q), heads_kv(s.heads_kv),
        head_dim(s.head_dim), gate_dim(gate) {
    kmean = View4<float>(std::string("moat_kmean"), s.batch, s.heads_kv, g.key_blocks(), s.head_dim);
    if (g.group > 1)
      qmean = View4<float>(std::string("moat_qmean"), s.batch, s.heads_q, g.groups(), s.head_dim);
    if (gate > 0) {
      // Deterministic seeded gate weights (the paper trains them), scaled 1/sqrt(head_dim).
      const double ws = 1.0 / std::sqrt(double(s.head_dim));
      hwq = random_values(std::int64_t(s.head_dim) * gate, DType::fp32, seed * 5 + 11, ws);
      hwk = random_values(std::int64_t(s.head_dim) * gate, DType::fp32, seed * 5 + 12, ws);
      View2<float> a(std::string("moat_gate_wq"), s.head_dim, gate), b(std::string("moat_gate_wk"), s.head_dim, gate);
      upload(a, hwq);
      upload(b, hwk);
      wq = a;
      wk = b;
      kproj = View4<float>(std::string("moat_kproj"), s.batch, s.heads_kv, g.key_blocks(), gate);
      qproj = View4<float>(std::string("moat_qproj"), s.batch, s.heads_q, g.groups(), gate);
    }
  }

  // Mean of rows [r0, r1) of x(b, h, :, :) into m(b, h, slot, :); projected into p when given.
  static void pool(const char* label, const View4<const float>& x, const View4<float>& m,
                   const View4<float>& p, const View2<const float>& w, int rows_per, int first,
                   int offset) {
    const int B = int(m.extent(0)), H = int(m.extent(1)), N = int(m.extent(2));
    const int D = int(m.extent(3)), R = int(x.extent(2)), E = p.data() ? int(p.extent(3)) : 0;
    Kokkos::parallel_for(
        label, RangePolicy(0, B * H * N), KOKKOS_LAMBDA(int idx) {
          const int c = idx % N, h = idx / N % H, b = idx / N / H;
          const int r0 = kx::max(0, (first + c) * rows_per - offset);
          const int r1 = kx::min(R, (first + c + 1) * rows_per - offset);
          float* __restrict__ out = &m(b, h, c, 0);
          for (int d = 0; d < D; ++d) out[d] = 0.f;
          for (int r = r0; r < r1; ++r)
            for (int d = 0; d < D; ++d) out[d] += x(b, h, r, d);
          const float inv = 1.f / float(r1 - r0);
          for (int d = 0; d < D; ++d) out[d] *= inv;
          for (int e = 0; e < E; ++e) {
            float acc = 0.f;
            for (int d = 0; d < D; ++d) acc += out[d] * w(d, e);
            p(b, h, c, e) = acc;
          }
        });
  }

  void select(const View4<const float>& q, const View4<const float>& k, const BlockLists& L) const {
    pool("moat::attention::gate_pool_k", k, kmean, kproj, wk, geo.block, 0, 0);
    if (geo.group > 1)
      pool("moat::attention::gate_pool_q", q, qmean, qproj, wq, geo.group, geo.first_group(),
           geo.offset());
    const BlockGeometry g = geo;
    const int H = heads_q, group_ratio = heads_q / heads_kv, G = g.groups(), k_top = top_k;
    const int width_ = width, proj = gate_dim;
    const int dq = proj > 0 ? proj : head_dim;
    auto ks = proj > 0 ? kproj : kmean;
    auto qs = proj > 0 ? qproj : qmean;
    auto sel = L.sel;
    Kokkos::parallel_for(
        "moat::attention::gate_select", RangePolicy(0, int(sel.extent(0)) * H * G),
        KOKKOS_LAMBDA(int idx) {
          const int gi = idx % G, h = idx / G % H, b = idx / G / H;
          const int grp = g.first_group() + gi, hk = h / group_ratio;
          const int rb = g.row_begin(grp), re = g.row_end(grp);
          const float* __restrict__ qv = g.group == 1 ? &q(b, h, rb, 0) : &qs(b, h, gi, 0);
          TopK<kMaxTopK> top(g.picks(grp, k_top));
          for (int c = 0; c < g.candidates(grp); ++c) {
            const float* __restrict__ kv = &ks(b, hk, c, 0);
            float acc = 0.f;
            for (int d = 0; d < dq; ++d) acc += qv[d] * kv[d];
            top.push(acc, c);
          }
          if (g.causal) top.id[top.n++] = g.current_block(grp);
          top.sort_ids();
          for (int i = rb; i < re; ++i)
            for (int t = 0; t < width_; ++t) sel(b, h, i, t) = t < top.n ? top.id[t] : -1;
        });
  }

  std::vector<int> host_list(const HostQK& in, int b, int h, int grp) const {
    const auto& s = in.s;
    const int hk = h / s.group();
    const float* qs = host_slice(in.q, b, h, s.heads_q, s.seq_q, s.head_dim);
    const float* ks = host_slice(in.k, b, hk, s.heads_kv, s.seq_kv, s.head_dim);
    std::vector<double> qv = host_row_mean(qs, geo.row_begin(grp), geo.row_end(grp), s.head_dim);
    if (gate_dim > 0) qv = host_project(qv, hwq, gate_dim);
    std::vector<double> scores(geo.candidates(grp));
    for (int c = 0; c < geo.candidates(grp); ++c) {
      auto kv = host_row_mean(ks, c * geo.block, std::min(s.seq_kv, (c + 1) * geo.block), s.head_dim);
      if (gate_dim > 0) kv = host_project(kv, hwk, gate_dim);
      scores[c] = host_dot(qv, kv);
    }
    std::vector<int> ids = host_top_k(scores, geo.picks(grp, top_k));
    if (geo.causal) ids.push_back(geo.current_block(grp));  // after every candidate: stays sorted
    return ids;
  }
};

}  // namespace moat::attention
