#pragma once
// Routing attention on the device, in five launches around the unchanged flash skeleton:
//
//   assign   every key (per KV head) and query (per query head, centroids of its KV head) takes
//            the centroid of largest dot product, ties to the lower index      kcl, qcl
//   sort     one thread per (batch, head, cluster): the tokens of lower clusters give its offset,
//            then it lists its own tokens in position order (a stable counting sort by
//            (cluster, position), no atomics, deterministic)                   kperm, qperm, kstart/kcount
//   gather   sorted copies of K, V and Q; each sorted query row gets its key range [kb, ke): its
//            cluster's span in the sorted keys, cut when causal to the keys at or before its
//            position (positions ascend inside a cluster, so that is a prefix: binary search)
//   flash    flash.hpp over the sorted rows with RoutedRange: a 32-row query tile of sorted
//            queries covers a few neighbouring clusters, whose keys are one contiguous span
//   scatter  each sorted output row back to its query's position
#include <string>
#include <vector>

#include "kernels/attention/common/flash.hpp"
#include "kernels/attention/routing_transformer/routing_host.hpp"

namespace moat::attention {

// Sorted query row i of (b, h) attends to sorted keys [kb, ke) exactly: the range is the mask.
struct RoutedRange {
  View3<const int> kb, ke;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int b, int h, int i) const { return kb(b, h, i); }
  KOKKOS_INLINE_FUNCTION int key_end(int b, int h, int i) const { return ke(b, h, i); }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int, int) const { return true; }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

struct RoutedAttention {
  AttentionShape s;
  int clusters = 1;
  bool causal = true;
  View3<const float> mu;          // [heads_kv][clusters][head_dim], unit rows
  View3<int> kcl, qcl;            // cluster of key [b][hk][j] / of query [b][h][i]
  View3<int> kstart, kcount;      // [b][hk][c]: cluster c's span in the sorted keys
  View3<int> kperm, qperm;        // sorted slot -> original position
  View3<int> kb, ke;              // [b][h][sorted row]: its key range in the sorted keys
  View4<float> ks, vs, qs, os;    // sorted copies of K, V, Q and the sorted output

  RoutedAttention() = default;
  RoutedAttention(const AttentionShape& shape, int c, bool causal_, const std::vector<float>& host_mu)
      : s(shape), clusters(c), causal(causal_) {
    View3<float> m(std::string("moat_route_centroids"), s.heads_kv, c, s.head_dim);
    upload(m, host_mu);
    mu = m;
    kcl = View3<int>(std::string("moat_route_kcl"), s.batch, s.heads_kv, s.seq_kv);
    qcl = View3<int>(std::string("moat_route_qcl"), s.batch, s.heads_q, s.seq_q);
    kstart = View3<int>(std::string("moat_route_kstart"), s.batch, s.heads_kv, c);
    kcount = View3<int>(std::string("moat_route_kcount"), s.batch, s.heads_kv, c);
    kperm = View3<int>(std::string("moat_route_kperm"), s.batch, s.heads_kv, s.seq_kv);
    qperm = View3<int>(std::string("moat_route_qperm"), s.batch, s.heads_q, s.seq_q);
    kb = View3<int>(std::string("moat_route_kb"), s.batch, s.heads_q, s.seq_q);
    ke = View3<int>(std::string("moat_route_ke"), s.batch, s.heads_q, s.seq_q);
    ks = View4<float>(std::string("moat_route_k"), s.batch, s.heads_kv, s.seq_kv, s.head_dim);
    vs = View4<float>(std::string("moat_route_v"), s.batch, s.heads_kv, s.seq_kv, s.value_dim);
    qs = View4<float>(std::string("moat_route_q"), s.batch, s.heads_q, s.seq_q, s.head_dim);
    os = View4<float>(std::string("moat_route_o"), s.batch, s.heads_q, s.seq_q, s.value_dim);
  }

  void run(const View4<const float>& q, const View4<const float>& k, const View4<const float>& v,
           const View4<float>& o) const {
    const int B = s.batch, HK = s.heads_kv, HQ = s.heads_q, N = s.seq_kv, M = s.seq_q;
    const int D = s.head_dim, DV = s.value_dim, C = clusters, G = s.group();
    const int off = N - M;
    const bool is_causal = causal;
    const auto mu_ = mu;
    const auto kcl_ = kcl, qcl_ = qcl, kstart_ = kstart, kcount_ = kcount;
    const auto kperm_ = kperm, qperm_ = qperm, kb_ = kb, ke_ = ke;
    const auto ks_ = ks, vs_ = vs, qs_ = qs, os_ = os;
    const int nk = B * HK * N, nq = B * HQ * M;

    // Assign: argmax_c x . mu_c, ties to the lower c (strict >, ascending c).
    Kokkos::parallel_for(
        "moat::attention::route_assign", RangePolicy(0, nk + nq), KOKKOS_LAMBDA(int idx) {
          const bool key = idx < nk;
          const int t = key ? idx : idx - nk, L = key ? N : M, H = key ? HK : HQ;
          const int i = t % L, h = t / L % H, b = t / L / H, hk = key ? h : h / G;
          const float* __restrict__ x = key ? &k(b, h, i, 0) : &q(b, h, i, 0);
          int best = 0;
          float best_s = 0.f;
          for (int c = 0; c < C; ++c) {
            const float* __restrict__ m = &mu_(hk, c, 0);
            float acc = 0.f;
            for (int d = 0; d < D; ++d) acc += x[d] * m[d];
            if (c == 0 || acc > best_s) {
              best_s = acc;
              best = c;
            }
          }
          if (key)
            kcl_(b, h, i) = best;
          else
            qcl_(b, h, i) = best;
        });

    // Sort: one thread per (b, head, cluster) writes its cluster's slots in position order.
    Kokkos::parallel_for(
        "moat::attention::route_sort", RangePolicy(0, (B * HK + B * HQ) * C),
        KOKKOS_LAMBDA(int idx) {
          const bool key = idx < B * HK * C;
          const int t = key ? idx : idx - B * HK * C, L = key ? N : M, H = key ? HK : HQ;
          const int c = t % C, h = t / C % H, b = t / C / H;
          int below = 0, own = 0;
          for (int j = 0; j < L; ++j) {
            const int cj = key ? kcl_(b, h, j) : qcl_(b, h, j);
            below += cj < c;
            own += cj == c;
          }
          int slot = below;
          for (int j = 0; j < L && slot < below + own; ++j) {
            if (key ? kcl_(b, h, j) != c : qcl_(b, h, j) != c) continue;
            if (key)
              kperm_(b, h, slot++) = j;
            else
              qperm_(b, h, slot++) = j;
          }
          if (key) {
            kstart_(b, h, c) = below;
            kcount_(b, h, c) = own;
          }
        });

    // Gather: sorted K/V rows; sorted Q rows with their key ranges.
    Kokkos::parallel_for(
        "moat::attention::route_gather", RangePolicy(0, nk + nq), KOKKOS_LAMBDA(int idx) {
          if (idx < nk) {
            const int r = idx % N, hk = idx / N % HK, b = idx / N / HK;
            const int src = kperm_(b, hk, r);
            for (int d = 0; d < D; ++d) ks_(b, hk, r, d) = k(b, hk, src, d);
            for (int d = 0; d < DV; ++d) vs_(b, hk, r, d) = v(b, hk, src, d);
            return;
          }
          const int t = idx - nk, r = t % M, h = t / M % HQ, b = t / M / HQ, hk = h / G;
          const int src = qperm_(b, h, r), c = qcl_(b, h, src);
          for (int d = 0; d < D; ++d) qs_(b, h, r, d) = q(b, h, src, d);
          const int begin = kstart_(b, hk, c);
          int end = begin + kcount_(b, hk, c);
          if (is_causal) {  // keys of the cluster at positions <= src + off: upper bound
            const int p = src + off;
            int lo = begin, hi = end;
            while (lo < hi) {
              const int mid = lo + (hi - lo) / 2;
              if (kperm_(b, hk, mid) <= p)
                lo = mid + 1;
              else
                hi = mid;
            }
            end = lo;
          }
          kb_(b, h, r) = begin;
          ke_(b, h, r) = end;
        });

    flash_forward(qs_, ks_, vs_, os_, s, RoutedRange{kb_, ke_});

    // Scatter: sorted output rows back to their positions (rows seeing no key hold zeros).
    Kokkos::parallel_for(
        "moat::attention::route_scatter", RangePolicy(0, nq), KOKKOS_LAMBDA(int idx) {
          const int r = idx % M, h = idx / M % HQ, b = idx / M / HQ;
          const int dst = qperm_(b, h, r);
          for (int d = 0; d < DV; ++d) o(b, h, dst, d) = os_(b, h, r, d);
        });
  }
};

}  // namespace moat::attention
