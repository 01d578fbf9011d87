#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "model/models/routing.hpp"

namespace moat::model {
namespace {

// Draws one token's top_k distinct experts with inclusion probabilities exactly pi_e: systematic
// sampling (Madow 1949) over a random order of the experts.
std::vector<int> draw_experts(const RoutingDistribution& r, std::mt19937_64& rng) {
  const int experts = static_cast<int>(r.inclusion.size());
  std::vector<int> order(experts);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  double u = std::uniform_real_distribution<double>(0, 1)(rng);
  std::vector<int> picked;
  double cumulative = 0;
  for (int e : order) {
    const double next = cumulative + r.inclusion[e];
    while (u < next && static_cast<int>(picked.size()) < r.top_k) {
      picked.push_back(e);
      u += 1;
    }
    cumulative = next;
  }
  return picked;
}

struct MonteCarlo {
  double unique = 0;
  double max_expert_load = 0;
  double max_rank_load = 0;
};

MonteCarlo simulate(const RoutingDistribution& r, int tokens, int ranks, int trials) {
  std::mt19937_64 rng(12345);
  const int experts = static_cast<int>(r.inclusion.size());
  MonteCarlo mc;
  for (int t = 0; t < trials; ++t) {
    std::vector<int> load(experts, 0);
    for (int i = 0; i < tokens; ++i)
      for (int e : draw_experts(r, rng)) ++load[e];
    std::vector<int> rank_load(ranks, 0);
    for (int e = 0; e < experts; ++e) rank_load[e / (experts / ranks)] += load[e];
    mc.unique += std::count_if(load.begin(), load.end(), [](int l) { return l > 0; });
    mc.max_expert_load += *std::max_element(load.begin(), load.end());
    mc.max_rank_load += *std::max_element(rank_load.begin(), rank_load.end());
  }
  mc.unique /= trials;
  mc.max_expert_load /= trials;
  mc.max_rank_load /= trials;
  return mc;
}

TEST(Routing, UniformUniqueExpertsClosedForm) {
  RoutingDistribution r = uniform_routing(8, 2);
  // E (1 - (1 - k/E)^T): 8 (1 - 0.75^4) = 5.46875
  EXPECT_DOUBLE_EQ(expected_unique_experts(r, 4), 8 * (1 - std::pow(0.75, 4)));
  EXPECT_DOUBLE_EQ(expected_unique_experts(r, 1), 2);  // one token touches exactly top_k
  EXPECT_NEAR(expected_unique_experts(r, 1e6), 8, 1e-9);
}

TEST(Routing, ZipfInclusionSumsToTopKAndCapsAtOne) {
  RoutingDistribution r = zipf_routing(16, 4, 1.5);
  double sum = 0;
  for (double pi : r.inclusion) {
    EXPECT_LE(pi, 1 + 1e-12);
    sum += pi;
  }
  EXPECT_NEAR(sum, 4, 1e-12);
  EXPECT_DOUBLE_EQ(r.inclusion[0], 1);  // the most popular expert would exceed 1: always picked
  EXPECT_GT(r.inclusion[1], r.inclusion[2]);
  RoutingDistribution flat = zipf_routing(16, 4, 0);
  for (double pi : flat.inclusion) EXPECT_NEAR(pi, 0.25, 1e-12);
}

TEST(Routing, MaxOfIndependentBinomialsByHand) {
  // One Bernoulli(0.5) trial in each of two bins: max is 1 unless both are 0: 1 - 0.25.
  EXPECT_NEAR(expected_max_binomial({0.5, 0.5}, 1), 0.75, 1e-12);
  // A single bin: the max is the binomial itself, mean n p.
  EXPECT_NEAR(expected_max_binomial({0.3}, 10), 3.0, 1e-9);
  EXPECT_NEAR(expected_max_binomial({1.0}, 7), 7.0, 1e-12);
}

TEST(Routing, UniformMatchesMonteCarlo) {
  RoutingDistribution r = uniform_routing(64, 8);
  const int tokens = 32, ranks = 8;
  MonteCarlo mc = simulate(r, tokens, ranks, 4000);
  EXPECT_NEAR(expected_unique_experts(r, tokens), mc.unique, 0.01 * mc.unique);
  // Independence approximations: within 5% of the simulated maxima.
  EXPECT_NEAR(expected_max_expert_load(r, tokens), mc.max_expert_load, 0.05 * mc.max_expert_load);
  EXPECT_NEAR(expected_max_rank_load(r, tokens, ranks), mc.max_rank_load, 0.05 * mc.max_rank_load);
}

TEST(Routing, ZipfMatchesMonteCarlo) {
  RoutingDistribution r = zipf_routing(32, 4, 1.0);
  const int tokens = 64, ranks = 4;
  MonteCarlo mc = simulate(r, tokens, ranks, 3000);
  EXPECT_NEAR(expected_unique_experts(r, tokens), mc.unique, 0.01 * mc.unique);
  EXPECT_NEAR(expected_max_expert_load(r, tokens), mc.max_expert_load, 0.05 * mc.max_expert_load);
  EXPECT_NEAR(expected_max_rank_load(r, tokens, ranks), mc.max_rank_load, 0.05 * mc.max_rank_load);
  // Skew concentrates load: fewer distinct experts, a busier maximum than uniform routing.
  RoutingDistribution flat = uniform_routing(32, 4);
  EXPECT_LT(expected_unique_experts(r, tokens), expected_unique_experts(flat, tokens));
  EXPECT_GT(expected_max_expert_load(r, tokens), expected_max_expert_load(flat, tokens));
  EXPECT_GT(rank_imbalance(r, tokens, ranks), rank_imbalance(flat, tokens, ranks));
}

TEST(Routing, ImbalanceShrinksWithMoreTokens) {
  RoutingDistribution r = uniform_routing(256, 8);
  const double few = rank_imbalance(r, 16, 8);
  const double many = rank_imbalance(r, 16384, 8);
  EXPECT_GT(few, many);
  EXPECT_GT(many, 1.0);
  EXPECT_LT(many, 1.05);
  EXPECT_DOUBLE_EQ(rank_imbalance(r, 100, 1), 1.0);
}

}  // namespace
}  // namespace moat::model
