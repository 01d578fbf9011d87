// Exactness of the shared dispatch / capacity / combine stages and load counters: no (token, slot)
// lost or duplicated, dropped slots contribute zero, capacity keeps exactly the first C
// assignments in priority order, and the edge cases k = 1, k = E, all tokens to one expert.
#include <gtest/gtest.h>

#include <set>

#include "core/variant.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"
#include "kernels/moe/common/dispatch.hpp"
#include "kernels/moe/common/stages.hpp"

namespace moat {
namespace {

std::map<std::string, double> run_counters(const std::string& variant,
                                           std::map<std::string, ParamValue> given) {
  const VariantSpec* spec = find_variant_spec(variant);
  Params p = complete_params(spec->params, given, variant);
  spec->validate(p);
  auto inst = variant_implementations().at(variant).at("moat")(InstanceRequest{p, DType::fp32, 3});
  EXPECT_TRUE(inst->check().ok);
  return inst->counters();
}

// kFlat: the device form of the row copies and sums (one (row, column) per thread).
template <bool kFlat>
void expect_exact_dispatch_and_combine() {
  const int tokens = 97, k = 3, experts = 7, hidden = 5;
  Rng rng(11);
  std::vector<int> idx(tokens * k);
  std::vector<float> w(tokens * k), x = random_values(tokens * hidden, DType::fp32, 5);
  for (int t = 0; t < tokens; ++t)
    for (int s = 0; s < k; ++s) {
      idx[t * k + s] = rng.uniform() < 0.15 ? -1 : int(rng.below(experts));  // some dropped
      w[t * k + s] = float(rng.uniform(0.1, 1.0));
    }
  View2<int> idx_d("idx", tokens, k);
  View2<float> w_d("w", tokens, k), x_d("x", tokens, hidden), xp("xp", tokens * k, hidden),
      out("out", tokens, hidden);
  upload(idx_d, idx);
  upload(w_d, w);
  upload(x_d, x);
  moe::Dispatch d(tokens, k, experts);
  moe::dispatch<kFlat>(idx_d, x_d, d, xp);
  poison(out);
  moe::combine<kFlat>(xp, d.position, w_d, out);  // identity experts: yp = xp
  const auto pos = download(d.position);
  const auto row_token = download(d.row_token);
  const auto xp_h = download(xp);
  const auto out_h = download(out);
  std::vector<int> count(experts, 0);
  std::set<int> seen;
  int kept = 0;
  for (int t = 0; t < tokens; ++t)
    for (int s = 0; s < k; ++s) {
      const int e = idx[t * k + s], p = pos[t * k + s];
      if (e < 0) {
        EXPECT_EQ(p, -1) << "dropped slot got a row";
        continue;
      }
      ++kept;
      ++count[e];
      EXPECT_TRUE(seen.insert(p).second) << "row " << p << " used twice";
      EXPECT_GE(p, d.host_offsets[e]);
      EXPECT_LT(p, d.host_offsets[e + 1]) << "row outside its expert's segment";
      EXPECT_EQ(row_token[p], t);
      for (int h = 0; h < hidden; ++h) EXPECT_EQ(xp_h[p * hidden + h], x[t * hidden + h]);
    }
  EXPECT_EQ(kept, d.host_offsets.back());
  EXPECT_EQ(int(seen.size()), kept);  // rows [0, kept) used exactly once
  for (int e = 0; e < experts; ++e) EXPECT_EQ(d.host_offsets[e + 1] - d.host_offsets[e], count[e]);
  for (int t = 0; t < tokens; ++t)
    for (int h = 0; h < hidden; ++h) {
      double want = 0;
      for (int s = 0; s < k; ++s)
        if (idx[t * k + s] >= 0) want += double(w[t * k + s]) * x[t * hidden + h];
      EXPECT_NEAR(out_h[t * hidden + h], want, 1e-5);
    }
}

TEST(MoeDispatch, EveryKeptSlotAppearsExactlyOnceAndCombineIsExact) {
  expect_exact_dispatch_and_combine<false>();
}

TEST(MoeDispatch, DeviceFormOfGatherAndCombineIsExactToo) {
  expect_exact_dispatch_and_combine<true>();
}

TEST(MoeCapacity, KeepsFirstChoicesInTokenOrderThenSecondChoices) {
  const int tokens = 10, k = 2, experts = 2;
  std::vector<int> idx;
  for (int t = 0; t < tokens; ++t) idx.insert(idx.end(), {t % 2, 1 - t % 2});
  View2<int> idx_d("idx", tokens, k);
  View2<float> w_d("w", tokens, k);
  upload(idx_d, idx);
  Kokkos::deep_copy(w_d, 0.5f);
  moe::CapacityRule rule{true, 7, true};
  moe::apply_capacity(idx_d, w_d, k, experts, rule);
  const auto got = download(idx_d);
  const auto w = download(w_d);
  // Each expert gets 5 first choices, then the first 2 second choices in token order.
  for (int t = 0; t < tokens; ++t) {
    EXPECT_EQ(got[t * k], t % 2) << "first choices always fit";
    const bool second_kept = t < 4;  // tokens 0..3: two second choices per expert
    EXPECT_EQ(got[t * k + 1], second_kept ? 1 - t % 2 : -1) << "token " << t;
    EXPECT_FLOAT_EQ(w[t * k], second_kept ? 0.5f : 1.f) << "kept weights renormalized";
  }
}

TEST(MoeCapacity, AllTokensToOneExpertDropsBeyondCapacity) {
  // experts = 1: every token picks expert 0; capacity = ceil(0.3 * 30 / 1) = 9.
  auto c = run_counters(
      "moe.switch_top1",
      {{"tokens", 30}, {"hidden", 16}, {"ffn", 20}, {"experts", 1}, {"capacity_factor", 0.3}});
  EXPECT_EQ(c["tokens_routed"], 9);
  EXPECT_EQ(c["tokens_dropped"], 21);
  EXPECT_EQ(c["tokens_unrouted"], 21);
  EXPECT_EQ(c["experts_touched"], 1);
  auto nodrop = run_counters(
      "moe.switch_top1",
      {{"tokens", 30}, {"hidden", 16}, {"ffn", 20}, {"experts", 1}, {"drop_tokens", false}});
  EXPECT_EQ(nodrop["tokens_routed"], 30);
  EXPECT_EQ(nodrop["tokens_dropped"], 0);
}

TEST(MoeCounters, TopKEqualsExpertsTouchesEveryExpertEvenly) {
  auto c =
      run_counters("moe.topk_softmax",
                   {{"tokens", 25}, {"hidden", 16}, {"ffn", 20}, {"experts", 4}, {"top_k", 4}});
  EXPECT_EQ(c["tokens_routed"], 100);
  EXPECT_EQ(c["experts_touched"], 4);
  EXPECT_EQ(c["tokens_per_expert_max"], 25);
  EXPECT_EQ(c["tokens_per_expert_min"], 25);
  EXPECT_DOUBLE_EQ(c["load_imbalance"], 1.0);
}

TEST(MoeCounters, ExpertChoiceIsBalancedByConstruction) {
  // capacity_factor 1: C = ceil(40 / 8) = 5 tokens for every expert.
  auto c = run_counters(
      "moe.expert_choice",
      {{"tokens", 40}, {"hidden", 16}, {"ffn", 20}, {"experts", 8}, {"capacity_factor", 1.0}});
  EXPECT_EQ(c["tokens_per_expert_max"], 5);
  EXPECT_EQ(c["tokens_per_expert_min"], 5);
  EXPECT_EQ(c["tokens_routed"], 40);
  EXPECT_EQ(c["tokens_dropped"], 0);
}

TEST(MoeRouting, ZipfConcentratesLoadAndUniformSpreadsIt) {
  std::map<std::string, ParamValue> base{
      {"tokens", 400}, {"hidden", 16}, {"ffn", 16}, {"experts", 16}, {"top_k", 1}};
  auto zipf = base;
  zipf["routing"] = std::string("zipf");
  zipf["zipf_s"] = 2.0;
  auto uniform = base;
  uniform["routing"] = std::string("uniform");
  const auto z = run_counters("moe.topk_softmax", zipf);
  const auto u = run_counters("moe.topk_softmax", uniform);
  // Zipf(2) over 16 experts: the top expert has 1 / H(16, 2) = 62% of the draws.
  EXPECT_GT(z.at("tokens_per_expert_max"), 0.5 * 400);
  EXPECT_LT(u.at("tokens_per_expert_max"), 0.15 * 400);
  EXPECT_EQ(u.at("experts_touched"), 16);
}

}  // namespace
}  // namespace moat
