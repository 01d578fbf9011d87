#pragma once
// HiP-style hierarchical top-k block pruning (see spec.cpp). One list per query block; the
// selection never scores more than 2 * picks candidates per level, log2(blocks / picks) levels.
#include <vector>

#include "kernels/attention/common/block_sparse_instance.hpp"

namespace moat::variants::attention_hip {

// Representative score of the candidate segment starting at key block `first`: the largest
// q . k over the group's query rows and the segment's first key.
struct HipPrune {
  attention::BlockGeometry geo;
  int top_k = 1, width = 1;

  // Segments [a, e) of candidate blocks; level 0 cuts [0, m) into `picks` equal parts, each
  // level halves every segment longer than one block (left half gets the odd block) and keeps
  // the `picks` best halves (ties: lower start), until every kept segment is a single block.
  template <class Score>
  KOKKOS_INLINE_FUNCTION static int prune(int m, int picks, const Score& score, int* out) {
    constexpr int Cap = 2 * attention::kMaxTopK;
    int a[Cap], e[Cap], n = 0;
    if (m <= picks) {
      for (int c = 0; c < m; ++c) out[c] = c;
      return m;
    }
    for (int t = 0; t < picks; ++t) {
      a[n] = int(std::int64_t(t) * m / picks);
      e[n++] = int(std::int64_t(t + 1) * m / picks);
    }
    bool split = true;
    while (split) {
      split = false;
      int na[Cap], ne[Cap], nn = 0;
      for (int t = 0; t < n; ++t) {
        if (e[t] - a[t] > 1) {
          const int mid = a[t] + (e[t] - a[t] + 1) / 2;
          na[nn] = a[t], ne[nn++] = mid;
          na[nn] = mid, ne[nn++] = e[t];
          split = true;
        } else {
          na[nn] = a[t], ne[nn++] = e[t];
        }
      }
      attention::TopK<Cap> top(picks);  // segments arrive in ascending start order
      for (int t = 0; t < nn; ++t) top.push(score(na[t]), t);
      top.sort_ids();
      n = top.n;
      for (int t = 0; t < n; ++t) {
        a[t] = na[top.id[t]];
        e[t] = ne[top.id[t]];
      }
    }
    for (int t = 0; t < n; ++t) out[t] = a[t];
    return n;
  }

  void select(const View4<const float>& q, const View4<const float>& k,
              const attention::BlockLists& L) const {
    const attention::BlockGeometry g = geo;
    const int H = int(q.extent(1)), group_ratio = H / int(k.extent(1)), D = int(q.extent(3));
    const int G = g.groups(), k_top = top_k, width_ = width;
    auto sel = L.sel;
    Kokkos::parallel_for(
        "moat::attention::hip_select", RangePolicy(0, int(q.extent(0)) * H * G),
        KOKKOS_LAMBDA(int idx) {
          const int gi = idx % G, h = idx / G % H, b = idx / G / H;
          const int grp = g.first_group() + gi, hk = h / group_ratio;
          const int rb = g.row_begin(grp), re = g.row_end(grp);
          auto score = [&](int blk) {
            const int j = blk * g.block;
            float best = kx::lowest_float();
            for (int i = rb; i < re; ++i) {
              float acc = 0.f;
              for (int d = 0; d < D; ++d) acc += q(b, h, i, d) * k(b, hk, j, d);
              best = kx::max(best, acc);
            }
            return best;
          };
          int ids[attention::kMaxTopK];
          int n = prune(g.candidates(grp), g.picks(grp, k_top), score, ids);
          if (g.causal) ids[n++] = g.current_block(grp);  // after every candidate: sorted
          for (int i = rb; i < re; ++i)
            for (int t = 0; t < width_; ++t) sel(b, h, i, t) = t < n ? ids[t] : -1;
        });
  }

  // Float64 twin: the same segment walk with double scores and std::stable_sort ranking.
  std::vector<int> host_list(const attention::HostQK& in, int b, int h, int grp) const {
    const auto& s = in.s;
    const float* qs = attention::host_slice(in.q, b, h, s.heads_q, s.seq_q, s.head_dim);
    const float* ks = attention::host_slice(in.k, b, h / s.group(), s.heads_kv, s.seq_kv, s.head_dim);
    const int rb = geo.row_begin(grp), re = geo.row_end(grp);
    auto score = [&](int blk) {
      double best = -INFINITY;
      for (int i = rb; i < re; ++i) {
        double acc = 0;
        for (int d = 0; d < s.head_dim; ++d)
          acc += double(qs[i * s.head_dim + d]) * double(ks[std::int64_t(blk) * geo.block * s.head_dim + d]);
        best = std::max(best, acc);
      }
      return best;
    };
    const int m = geo.candidates(grp), picks = geo.picks(grp, top_k);
    std::vector<std::pair<int, int>> segs;
    if (m <= picks) {
      for (int c = 0; c < m; ++c) segs.push_back({c, c + 1});
    } else {
      for (int t = 0; t < picks; ++t)
        segs.push_back({int(std::int64_t(t) * m / picks), int(std::int64_t(t + 1) * m / picks)});
      bool split = true;
      while (split && m > picks) {
        split = false;
        std::vector<std::pair<int, int>> next;
        for (auto [a, e] : segs) {
          if (e - a > 1) {
            const int mid = a + (e - a + 1) / 2;
            next.push_back({a, mid});
            next.push_back({mid, e});
            split = true;
          } else {
            next.push_back({a, e});
          }
        }
        std::vector<double> sc;
        for (auto [a, e] : next) sc.push_back(score(a));
        segs.clear();
        for (int t : attention::host_top_k(sc, picks)) segs.push_back(next[t]);
      }
    }
    std::vector<int> ids;
    for (auto [a, e] : segs) ids.push_back(a);
    if (geo.causal) ids.push_back(geo.current_block(grp));
    return ids;
  }
};

}  // namespace moat::variants::attention_hip
