// Routing attention: one cluster equals dense (causal) attention, the counting sort is a stable
// partition by cluster consistent with the float64 assignment, and the cost model charges dense
// flash cost for one cluster and grows as n^1.5 at C = sqrt(n).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/variant.hpp"
#include "kernels/attention/routing_transformer/routing.hpp"
#include "kernels/common/random.hpp"

namespace moat {
namespace {

struct Dense {
  int seq_kv, offset;
  bool causal;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return causal ? kx::min(seq_kv, i + offset + 1) : seq_kv;
  }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const { return !causal || j <= i + offset; }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

struct Inputs {
  attention::AttentionShape s;
  std::vector<float> hq, hk, hv;
  View4<float> q, k, v;
  explicit Inputs(attention::AttentionShape shape, std::uint64_t seed) : s(shape) {
    hq = random_values(s.q_elems(), DType::fp32, seed * 3);
    hk = random_values(s.k_elems(), DType::fp32, seed * 3 + 1);
    hv = random_values(s.v_elems(), DType::fp32, seed * 3 + 2);
    q = View4<float>("q", s.batch, s.heads_q, s.seq_q, s.head_dim);
    k = View4<float>("k", s.batch, s.heads_kv, s.seq_kv, s.head_dim);
    v = View4<float>("v", s.batch, s.heads_kv, s.seq_kv, s.value_dim);
    upload(q, hq);
    upload(k, hk);
    upload(v, hv);
  }
};

TEST(RoutingTransformer, OneClusterEqualsDenseAttention) {
  for (bool causal : {true, false}) {
    for (auto [seq_q, seq_kv] : {std::pair{150, 150}, std::pair{70, 200}, std::pair{1, 77}}) {
      attention::AttentionShape s{2, 4, 2, seq_q, seq_kv, 32, 24, 0.17f};
      Inputs in(s, 4);
      attention::RoutedAttention routed(s, 1, causal, attention::routing_centroids(2, 1, 32, 9));
      View4<float> o1("o1", 2, 4, seq_q, 24), o2("o2", 2, 4, seq_q, 24);
      routed.run(in.q, in.k, in.v, o1);
      attention::flash_forward(in.q, in.k, in.v, o2, s, Dense{seq_kv, seq_kv - seq_q, causal});
      const auto a = download(o1), b = download(o2);
      ASSERT_EQ(a.size(), b.size());
      double norm = 0;
      for (std::size_t i = 0; i < a.size(); ++i) {
        ASSERT_NEAR(a[i], b[i], 1e-6) << "causal " << causal << " element " << i;
        norm += std::fabs(b[i]);
      }
      EXPECT_GT(norm, 0.0);  // not trivially zero
    }
  }
}

TEST(RoutingTransformer, SortIsStablePartitionMatchingTwin) {
  attention::AttentionShape s{2, 4, 2, 90, 170, 16, 16, 0.25f};
  const int C = 6;
  Inputs in(s, 11);
  const auto mu = attention::routing_centroids(s.heads_kv, C, s.head_dim, 3);
  attention::RoutedAttention routed(s, C, true, mu);
  View4<float> o("o", s.batch, s.heads_q, s.seq_q, s.value_dim);
  routed.run(in.q, in.k, in.v, o);
  Kokkos::fence();
  const auto kcl = download(routed.kcl), kperm = download(routed.kperm);
  const auto kstart = download(routed.kstart), kcount = download(routed.kcount);
  const auto qcl = download(routed.qcl), qperm = download(routed.qperm);
  const auto kb = download(routed.kb), ke = download(routed.ke);
  const int N = s.seq_kv, M = s.seq_q, off = N - M;
  int used = 0;
  for (int bh = 0; bh < s.batch * s.heads_kv; ++bh) {
    const int hk = bh % s.heads_kv;
    std::vector<char> seen(N, 0);
    for (int c = 0; c < C; ++c) {
      const int begin = kstart[bh * C + c], count = kcount[bh * C + c];
      used += count > 0;
      ASSERT_EQ(begin, c == 0 ? 0 : kstart[bh * C + c - 1] + kcount[bh * C + c - 1]);
      for (int r = begin; r < begin + count; ++r) {
        const int j = kperm[bh * N + r];
        ASSERT_EQ(kcl[bh * N + j], c);
        if (r > begin) {
          ASSERT_LT(kperm[bh * N + r - 1], j) << "positions ascend in a cluster";
        }
        seen[j] = 1;
        // The kernel's float argmax agrees with the float64 twin for these random inputs.
        EXPECT_EQ(c, attention::host_nearest_centroid(&in.hk[(std::size_t(bh) * N + j) * s.head_dim],
                                                      &mu[std::size_t(hk) * C * s.head_dim], C,
                                                      s.head_dim));
      }
    }
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), N) << "sorted keys are a permutation";
  }
  EXPECT_GT(used, s.batch * s.heads_kv);  // random data uses several clusters
  // Each sorted query row's range holds exactly its cluster's keys at or before its position.
  for (int bh = 0; bh < s.batch * s.heads_q; ++bh) {
    const int b = bh / s.heads_q, hk = bh % s.heads_q / s.group(), kbh = b * s.heads_kv + hk;
    for (int r = 0; r < M; ++r) {
      const int i = qperm[bh * M + r], c = qcl[bh * M + i];
      if (r > 0) {
        ASSERT_LE(qcl[bh * M + qperm[bh * M + r - 1]], c) << "queries sorted by cluster";
      }
      int want = 0;
      for (int j = 0; j < N; ++j) want += kcl[kbh * N + j] == c && j <= i + off;
      EXPECT_EQ(kb[bh * M + r], kstart[kbh * C + c]);
      EXPECT_EQ(ke[bh * M + r] - kb[bh * M + r], want);
    }
  }
}

TEST(RoutingTransformer, CostModel) {
  // One cluster: the modelled key ranges are exactly the dense (causal) ones.
  for (bool causal : {true, false})
    for (auto [m, n] : {std::pair{1000, 1000}, std::pair{100, 777}, std::pair{1, 300}}) {
      attention::AttentionShape s{1, 8, 2, m, n, 64, 64, 0.125f};
      const Cost routed = attention::flash_cost(s, DType::fp32, attention::balanced_routed_range(s, 1, causal));
      const Cost dense = attention::flash_cost(
          s, DType::fp32, causal ? attention::causal_range(s) : attention::full_range(s));
      EXPECT_DOUBLE_EQ(routed.flops_matrix, dense.flops_matrix) << m << " " << n;
      EXPECT_DOUBLE_EQ(routed.special_ops, dense.special_ops) << m << " " << n;
    }
  // C = sqrt(n): the whole variant (routing + attention) grows as n^1.5 (dense: n^2). Non-causal
  // with clusters of whole key tiles, so that tile rounding does not blur the ratio.
  const VariantSpec* spec = find_variant_spec("attention.routing_transformer");
  ASSERT_NE(spec, nullptr);
  auto flops = [&](int n, int c) {
    return spec->cost(complete_params(spec->params, {{"seq_q", n}, {"seq_kv", n}, {"clusters", c},
                                                     {"heads_q", 8}, {"heads_kv", 8},
                                                     {"causal", false}}, "t"),
                      DType::fp32).flops();
  };
  EXPECT_NEAR(flops(16384, 128) / flops(4096, 64), 8.0, 0.8);
  // More clusters, less attention work at fixed n.
  EXPECT_LT(flops(8192, 64), flops(8192, 8));
}

}  // namespace
}  // namespace moat
