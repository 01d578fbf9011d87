// Limits of the token-mixing routers: a tiny temperature makes the token graph the identity
// (routing = plain softmax top-k), a huge one makes it uniform (every token gets the batch-mean
// probabilities, so every token picks the same k experts). MH-MoE routes tokens * heads rows.
#include <gtest/gtest.h>

#include "core/variant.hpp"
#include "kernels/common/instance.hpp"

namespace moat {
namespace {

std::map<std::string, double> counters_of(const std::string& variant,
                                          std::map<std::string, ParamValue> given) {
  const VariantSpec* spec = find_variant_spec(variant);
  Params p = complete_params(spec->params, given, variant);
  spec->validate(p);
  auto inst = variant_implementations().at(variant).at("moat")(InstanceRequest{p, DType::fp32, 4});
  EXPECT_TRUE(inst->check().ok) << variant;
  return inst->counters();
}

const std::map<std::string, ParamValue> kLayer{
    {"tokens", 48}, {"hidden", 16}, {"ffn", 20}, {"experts", 8}, {"top_k", 2}};

TEST(MoeTokenMixing, SmallTemperatureEqualsPerTokenSoftmaxRouting) {
  auto sharp = kLayer;
  sharp["temperature"] = 1e-3;
  const auto mixed = counters_of("moe.similarity_routing", sharp);
  const auto plain = counters_of("moe.topk_softmax", kLayer);
  for (const char* key : {"tokens_per_expert_max", "tokens_per_expert_min", "experts_touched"})
    EXPECT_EQ(mixed.at(key), plain.at(key)) << key;
}

TEST(MoeTokenMixing, LargeTemperatureSendsEveryTokenToTheSameExperts) {
  auto flat = kLayer;
  flat["temperature"] = 1e3;
  const auto c = counters_of("moe.similarity_routing", flat);
  EXPECT_EQ(c.at("experts_touched"), 2);
  EXPECT_EQ(c.at("tokens_per_expert_max"), 48);
  const auto plain = counters_of("moe.topk_softmax", kLayer);
  EXPECT_GT(plain.at("experts_touched"), 2) << "the limit test needs a non-degenerate router";
}

TEST(MoeMultiHead, RoutesEverySubToken) {
  auto p = kLayer;
  p["heads"] = std::int64_t(4);
  const auto c = counters_of("moe.mh_moe", p);
  EXPECT_EQ(c.at("tokens_routed"), 48 * 4 * 2);
  EXPECT_EQ(c.at("tokens_dropped"), 0);
}

}  // namespace
}  // namespace moat
