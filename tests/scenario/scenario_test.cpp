// Scenario parsing is strict and its errors point at file:line:col; expansion is a cartesian
// product with presets, overrides and skip rules applied.
#include "scenario/scenario.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace moat {
namespace {

class ScenarioFile : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    auto dir = std::filesystem::temp_directory_path() / "moat_scenario_test";
    std::filesystem::create_directories(dir);
    path_ = (dir / (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                    ".toml"))
                .string();
    std::ofstream(path_) << text;
    return path_;
  }
  // The error message of loading+expanding `text`, or "" when it loads.
  std::string error_of(const std::string& text) {
    try {
      expand_cases(load_scenario(write(text)), {});
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  std::string path_;
};

const char* kGood = R"(
[scenario]
name = "t"
[[sweep]]
variant = "attention.dense"
[sweep.axes]
seq_q = [1, 33]
causal = [false, true]
[sweep.fixed]
seq_kv = 64
head_dim = 16
[sweep.presets.smoke]
seq_q = [8]
[[sweep.skip]]
when = "seq_q == 1 and causal == true"
reason = "decode"
)";

TEST_F(ScenarioFile, ExpandsCartesianProductInFileOrder) {
  auto cases = expand_cases(load_scenario(write(kGood)), {});
  ASSERT_EQ(cases.size(), 4u);
  EXPECT_EQ(cases[0].params.i("seq_q"), 1);
  EXPECT_FALSE(cases[0].params.b("causal"));
  EXPECT_TRUE(cases[1].params.b("causal"));
  EXPECT_EQ(cases[1].skip_reason, "decode");
  EXPECT_TRUE(cases[2].skip_reason.empty());
  EXPECT_EQ(cases[3].params.i("seq_kv"), 64);
  EXPECT_EQ(cases[3].name.rfind("attention.dense?batch=1,heads_q=8,", 0), 0u) << cases[3].name;
}

TEST_F(ScenarioFile, PresetAndAxisOverridesReplaceAxes) {
  auto sc = load_scenario(write(kGood));
  EXPECT_EQ(expand_cases(sc, {"smoke", {}, ""}).size(), 2u);
  ExpandOptions o;
  o.axis_overrides.push_back(parse_axis_flag("seq_q=2,3,4"));
  EXPECT_EQ(expand_cases(sc, o).size(), 6u);
  o.filter = "seq_q=3,";
  EXPECT_EQ(expand_cases(sc, o).size(), 2u);
}

TEST_F(ScenarioFile, TypoInKeyNamesFileLineColumn) {
  std::string e = error_of("[[sweep]]\nvariant = \"attention.dense\"\n[sweep.axes]\nseq_q = [1]\n  casual = [true]\n");
  EXPECT_NE(e.find(path_ + ":5:3"), std::string::npos) << e;
  EXPECT_NE(e.find("casual"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'causal'"), std::string::npos) << e;
}

TEST_F(ScenarioFile, UnknownTopLevelKeyIsAnError) {
  std::string e = error_of("[[sweep]]\nvariant = \"attention.dense\"\n[timming]\nrepetitions = 3\n");
  EXPECT_NE(e.find(path_ + ":3:"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'timing'"), std::string::npos) << e;
}

TEST_F(ScenarioFile, StringWhereNumberBelongsNamesFileLineColumn) {
  std::string e = error_of("[[sweep]]\nvariant = \"attention.dense\"\n[sweep.axes]\nseq_q = [1, \"64\"]\n");
  EXPECT_NE(e.find(path_ + ":4:13"), std::string::npos) << e;
  EXPECT_NE(e.find("expects int"), std::string::npos) << e;
}

TEST_F(ScenarioFile, UnknownVariantNamesFileLineColumnAndSuggests) {
  std::string e = error_of("[[sweep]]\nvariant = \"attention.dence\"\n");
  EXPECT_NE(e.find(path_ + ":2:11"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'attention.dense'"), std::string::npos) << e;
}

TEST_F(ScenarioFile, OutOfRangeValueAndInvalidCase) {
  std::string e = error_of("[[sweep]]\nvariant = \"attention.dense\"\n[sweep.axes]\nseq_q = [0]\n");
  EXPECT_NE(e.find(":4:10"), std::string::npos) << e;
  e = error_of("[[sweep]]\nvariant = \"attention.dense\"\n[sweep.axes]\nheads_kv = [3]\n");
  EXPECT_NE(e.find("must be a multiple of heads_kv"), std::string::npos) << e;
  EXPECT_NE(e.find("[[sweep.skip]]"), std::string::npos) << e;  // the hint
}

TEST_F(ScenarioFile, TomlSyntaxErrorNamesFileLineColumn) {
  std::string e = error_of("[[sweep]]\nvariant = \"attention.dense\n");
  EXPECT_NE(e.find(path_ + ":2:"), std::string::npos) << e;
}

TEST_F(ScenarioFile, BadSkipRuleNamesColumnInsideTheString) {
  std::string e = error_of(
      "[[sweep]]\nvariant = \"attention.dense\"\n[[sweep.skip]]\nwhen = \"seq_q == 1 and sek > 2\"\nreason = \"x\"\n");
  EXPECT_NE(e.find(path_ + ":4:24"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown parameter 'sek'"), std::string::npos) << e;
}

TEST_F(ScenarioFile, AxisFlagErrorsNameTheFlag) {
  EXPECT_THROW(parse_axis_flag("seq_q"), Error);
  EXPECT_THROW(parse_axis_flag("seq_q=1,,2"), Error);
  auto sc = load_scenario(write(kGood));
  ExpandOptions o;
  o.axis_overrides.push_back(parse_axis_flag("nothing=1"));
  try {
    expand_cases(sc, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--axis nothing"), std::string::npos);
  }
  o.axis_overrides = {parse_axis_flag("seq_q=abc")};
  EXPECT_THROW(expand_cases(sc, o), Error);
}

TEST(SkipRule, OrBindsLooserThanAnd) {
  ParamSchema s = {int_param("a", "", {}, 0), int_param("b", "", {}, 0), bool_param("c", "")};
  auto r = parse_skip_rule("a == 1 and b > 2 or c == true", "r", {"f", 1, 1}, s);
  auto P = [&](int a, int b, bool c) {
    return complete_params(s, {{"a", std::int64_t(a)}, {"b", std::int64_t(b)}, {"c", c}}, "");
  };
  EXPECT_TRUE(r.matches(P(1, 3, false)));
  EXPECT_FALSE(r.matches(P(1, 2, false)));
  EXPECT_TRUE(r.matches(P(5, 0, true)));
  auto r2 = parse_skip_rule("a >= b", "r", {"f", 1, 1}, s);
  EXPECT_TRUE(r2.matches(P(3, 3, false)));
  EXPECT_FALSE(r2.matches(P(2, 3, false)));
}

}  // namespace
}  // namespace moat
