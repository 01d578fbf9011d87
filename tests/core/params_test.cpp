#include "core/params.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace moat {
namespace {

ParamSchema schema() {
  return {int_param("seq", "sequence length", 128, 1, 4096), real_param("s", "zipf", 1.0, 0, 4),
          bool_param("causal", "mask", false), text_param("mode", "m", {"a", "b"}, "a")};
}

TEST(Params, FillsDefaultsAndKeysInSchemaOrder) {
  auto s = schema();
  Params p = complete_params(s, {{"causal", true}}, "x");
  EXPECT_EQ(p.i("seq"), 128);
  EXPECT_TRUE(p.b("causal"));
  EXPECT_EQ(p.key(&s), "seq=128,s=1,causal=true,mode=a");
}

TEST(Params, IntegerWidensToReal) {
  Params p = complete_params(schema(), {{"s", std::int64_t(2)}}, "x");
  EXPECT_DOUBLE_EQ(p.r("s"), 2.0);
}

TEST(Params, RejectsUnknownWrongTypeOutOfRangeAndBadChoice) {
  EXPECT_THROW(complete_params(schema(), {{"sek", std::int64_t(1)}}, "x"), Error);
  EXPECT_THROW(complete_params(schema(), {{"seq", std::string("long")}}, "x"), Error);
  EXPECT_THROW(complete_params(schema(), {{"seq", std::int64_t(0)}}, "x"), Error);
  EXPECT_THROW(complete_params(schema(), {{"mode", std::string("c")}}, "x"), Error);
  try {
    complete_params(schema(), {{"sek", std::int64_t(1)}}, "f.toml:3:1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("f.toml:3:1"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("seq"), std::string::npos);  // lists known names
  }
}

TEST(Params, RequiredWithoutDefault) {
  ParamSchema s = {int_param("n", "count")};
  EXPECT_THROW(complete_params(s, {}, "x"), Error);
}

TEST(Params, ParsesLiterals) {
  auto s = schema();
  EXPECT_EQ(std::get<std::int64_t>(parse_param_literal(s[0], "42")), 42);
  EXPECT_THROW(parse_param_literal(s[0], "42x"), Error);
  EXPECT_EQ(std::get<bool>(parse_param_literal(s[2], "true")), true);
  EXPECT_THROW(parse_param_literal(s[2], "yes"), Error);
}

}  // namespace
}  // namespace moat
