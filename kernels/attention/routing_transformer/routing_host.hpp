#pragma once
// Kokkos-free pieces of attention.routing_transformer: the seeded centroids, the float64 twin of
// the cluster assignment (with the rounding bound that decides whether a differing kernel choice
// is a near-tie or a bug), and the key ranges the cost model assumes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/attention/common/flash_cost.hpp"
#include "kernels/common/random.hpp"

namespace moat::attention {

// C unit-length centroids per KV head, [heads_kv][clusters][head_dim], from N(0, 1) draws.
// Unit length makes the nearest centroid (Euclidean) the one of largest dot product:
// |x - mu_c|^2 = |x|^2 - 2 x.mu_c + 1, and that argmax does not change with |x| (the paper
// normalizes Q and K before routing; here only the direction matters anyway).
inline std::vector<float> routing_centroids(int heads_kv, int clusters, int head_dim,
                                            std::uint64_t seed) {
  std::vector<float> mu = random_values(std::int64_t(heads_kv) * clusters * head_dim,
                                        DType::fp32, seed * 7 + 3);
  for (std::int64_t row = 0; row < std::int64_t(heads_kv) * clusters; ++row) {
    float* m = mu.data() + row * head_dim;
    double norm = 0;
    for (int d = 0; d < head_dim; ++d) norm += double(m[d]) * m[d];
    norm = std::sqrt(norm);
    for (int d = 0; d < head_dim; ++d) m[d] = norm > 0 ? float(m[d] / norm) : (d == 0 ? 1.f : 0.f);
  }
  return mu;
}

// The float64 twin: argmax_c x . mu_c over centroid rows mu [clusters][dim], ties to the lower c.
inline int host_nearest_centroid(const float* x, const float* mu, int clusters, int dim) {
  int best = 0;
  double best_s = 0;
  for (int c = 0; c < clusters; ++c) {
    double acc = 0;
    for (int d = 0; d < dim; ++d) acc += double(x[d]) * double(mu[std::int64_t(c) * dim + d]);
    if (c == 0 || acc > best_s) {
      best_s = acc;
      best = c;
    }
  }
  return best;
}

// Whether choosing centroid `got` over the exact winner `want` is explained by float rounding:
// a float dot product of length d is within gamma_d * sum |x_i mu_i| of the exact one
// (gamma_d = d u / (1 - d u), u = 2^-24; any order, FMA or not), so the kernel can prefer `got`
// only if dot(want) - dot(got) <= gamma_d (sum|x mu_want| + sum|x mu_got|). A factor 2 of slack.
inline bool routing_near_tie(const float* x, const float* mu, int dim, int got, int want) {
  double dg = 0, dw = 0, ag = 0, aw = 0;
  for (int d = 0; d < dim; ++d) {
    const double pg = double(x[d]) * mu[std::int64_t(got) * dim + d];
    const double pw = double(x[d]) * mu[std::int64_t(want) * dim + d];
    dg += pg;
    dw += pw;
    ag += std::fabs(pg);
    aw += std::fabs(pw);
  }
  const double u = std::ldexp(1.0, -24), gamma = dim * u / (1.0 - dim * u);
  return dw - dg <= 2.0 * gamma * (ag + aw);
}

// Key range of sorted query row r that the cost model assumes: tokens spread evenly over the
// clusters (cluster c holds sorted queries [c M / C, (c+1) M / C) and sorted keys
// [c N / C, (c+1) N / C)), and a cluster's queries spread evenly over the query positions; when
// causal, a query at position p sees the share (p + 1) / N of its cluster's keys. With one
// cluster this is exactly the dense (causal) range, so the cost is the dense flash cost.
inline KeyRange balanced_routed_range(const AttentionShape& s, int clusters, bool causal) {
  const std::int64_t M = s.seq_q, N = s.seq_kv, C = clusters, off = s.seq_kv - s.seq_q;
  return [=](int r) {
    auto q_at = [&](std::int64_t c) { return c * M / C; };
    auto k_at = [&](std::int64_t c) { return c * N / C; };
    std::int64_t c = std::int64_t(r) * C / M;
    while (c + 1 < C && q_at(c + 1) <= r) ++c;
    while (c > 0 && q_at(c) > r) --c;
    const std::int64_t kb = k_at(c), mk = k_at(c + 1) - kb;
    if (!causal) return std::pair<int, int>(int(kb), int(kb + mk));
    const std::int64_t t = r - q_at(c), mq = q_at(c + 1) - q_at(c);
    const std::int64_t p = off + (2 * t + 1) * M / (2 * mq);  // middle of the row's share
    const std::int64_t seen = std::clamp<std::int64_t>((p + 1) * mk / N, 0, mk);
    return std::pair<int, int>(int(kb), int(kb + seen));
  };
}

}  // namespace moat::attention
