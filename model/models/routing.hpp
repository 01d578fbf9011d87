#pragma once
// How unevenly a MoE router spreads tokens over experts, for the two questions that set a MoE
// layer's time: how many distinct experts' weights a batch reads (memory-bound decode), and how
// many tokens the busiest expert or expert-parallel rank computes (the slowest GEMM / rank).
//
// Routing model: token i picks a set of top_k distinct experts, independently of other tokens,
// with inclusion probabilities pi_e (sum_e pi_e = top_k). Uniform: pi_e = k/E. Zipf(s): expert
// popularity p_e ~ e^-s, pi_e = min(1, c * p_e) with c set so the pi sum to k (experts that would
// exceed 1 are always picked).
//  - Expected distinct experts touched by T tokens is exact for any such router:
//      E[unique] = sum_e 1 - (1 - pi_e)^T.
//  - Expected max load treats expert loads as independent Binomial(T, pi_e) (the true loads are
//    slightly negatively correlated, so this errs a little high):
//      E[max] = sum_{m>=1} 1 - prod_e P(L_e < m), computed exactly under that assumption.
//  - Rank loads (experts placed contiguously on `ranks` ranks): each of the T*k assignments lands
//    on rank r with probability q_r = sum_{e in r} pi_e / k, loads Binomial(T*k, q_r).
#include <vector>

namespace moat::model {

struct RoutingDistribution {
  std::vector<double> inclusion;  // pi_e: probability a token picks expert e
  int top_k = 1;
};

RoutingDistribution uniform_routing(int experts, int top_k);
RoutingDistribution zipf_routing(int experts, int top_k, double s);

double expected_unique_experts(const RoutingDistribution& r, double tokens);
// E[max_i X_i] for independent X_i ~ Binomial(trials, p_i).
double expected_max_binomial(const std::vector<double>& p, long long trials);
double expected_max_expert_load(const RoutingDistribution& r, long long tokens);
double expected_max_rank_load(const RoutingDistribution& r, long long tokens, int ranks);
// Busiest rank's load over the mean rank load (>= 1).
double rank_imbalance(const RoutingDistribution& r, long long tokens, int ranks);

}  // namespace moat::model
