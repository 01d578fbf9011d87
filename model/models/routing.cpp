#include "model/models/routing.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace moat::model {

RoutingDistribution uniform_routing(int experts, int top_k) {
  if (experts < 1 || top_k < 1 || top_k > experts)
    throw Error("routing needs 1 <= top_k <= experts (got top_k " + std::to_string(top_k) +
                ", experts " + std::to_string(experts) + ")");
  return {std::vector<double>(experts, double(top_k) / experts), top_k};
}

RoutingDistribution zipf_routing(int experts, int top_k, double s) {
  RoutingDistribution r = uniform_routing(experts, top_k);
  if (s < 0) throw Error("Zipf exponent must be >= 0 (0 is uniform)");
  std::vector<double> w(experts);
  for (int e = 0; e < experts; ++e) w[e] = std::pow(double(e + 1), -s);
  // Cap inclusion at 1 and share the rest among the others, repeating until no new expert caps.
  std::vector<bool> capped(experts, false);
  for (int pass = 0; pass < experts; ++pass) {
    double free_k = top_k, free_w = 0;
    for (int e = 0; e < experts; ++e) (capped[e] ? free_k -= 1 : free_w += w[e]);
    bool changed = false;
    for (int e = 0; e < experts; ++e) {
      if (capped[e]) {
        r.inclusion[e] = 1;
        continue;
      }
      r.inclusion[e] = free_k * w[e] / free_w;
      if (r.inclusion[e] > 1) capped[e] = changed = true;
    }
    if (!changed) break;
  }
  return r;
}

double expected_unique_experts(const RoutingDistribution& r, double tokens) {
  double sum = 0;
  for (double pi : r.inclusion) sum += 1 - std::pow(1 - pi, tokens);
  return sum;
}

namespace {

// P(X <= m) for m = 0..max_m of X ~ Binomial(n, p), by the pmf recurrence in log space.
std::vector<double> binomial_cdf(long long n, double p, long long max_m) {
  std::vector<double> cdf(static_cast<std::size_t>(max_m + 1), 1.0);
  if (p <= 0) return cdf;
  if (p >= 1) {
    for (long long m = 0; m <= max_m; ++m) cdf[m] = m >= n ? 1.0 : 0.0;
    return cdf;
  }
  const double lp = std::log(p), lq = std::log1p(-p);
  double log_pmf = double(n) * lq;  // P(X = 0)
  double acc = 0;
  for (long long m = 0; m <= max_m; ++m) {
    if (m > 0) {
      if (m > n) {
        cdf[m] = 1.0;
        continue;
      }
      log_pmf += std::log(double(n - m + 1)) - std::log(double(m)) + lp - lq;
    }
    acc += std::exp(log_pmf);
    cdf[m] = std::min(acc, 1.0);
  }
  return cdf;
}

}  // namespace

double expected_max_binomial(const std::vector<double>& p, long long trials) {
  if (trials <= 0 || p.empty()) return 0;
  // Beyond mean + ~12 sd of the most loaded bin, P(max >= m) is below double precision.
  const double pmax = *std::max_element(p.begin(), p.end());
  const double mean = trials * pmax;
  const long long limit = std::min<long long>(
      trials, static_cast<long long>(std::ceil(mean + 12 * std::sqrt(mean + 1) + 12)));
  std::vector<std::vector<double>> cdfs;
  cdfs.reserve(p.size());
  for (double pi : p) cdfs.push_back(binomial_cdf(trials, pi, limit));
  double expected = 0;
  for (long long m = 1; m <= limit; ++m) {
    double all_below = 1;  // P(max < m) = prod_e P(L_e <= m - 1)
    for (const auto& c : cdfs) all_below *= c[m - 1];
    expected += 1 - all_below;
  }
  return expected;
}

double expected_max_expert_load(const RoutingDistribution& r, long long tokens) {
  return expected_max_binomial(r.inclusion, tokens);
}

double expected_max_rank_load(const RoutingDistribution& r, long long tokens, int ranks) {
  const int experts = static_cast<int>(r.inclusion.size());
  if (ranks < 1 || experts % ranks != 0)
    throw Error("expert-parallel ranks (" + std::to_string(ranks) + ") must divide the experts (" +
                std::to_string(experts) + ")");
  const int per_rank = experts / ranks;
  std::vector<double> q(ranks, 0.0);
  for (int e = 0; e < experts; ++e) q[e / per_rank] += r.inclusion[e] / r.top_k;
  return expected_max_binomial(q, tokens * r.top_k);
}

double rank_imbalance(const RoutingDistribution& r, long long tokens, int ranks) {
  const double mean = double(tokens) * r.top_k / ranks;
  if (mean <= 0) return 1;
  return std::max(1.0, expected_max_rank_load(r, tokens, ranks) / mean);
}

}  // namespace moat::model
