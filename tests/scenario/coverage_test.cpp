// Every registered variant is swept by a family scenario (scenarios/attention-*.toml,
// scenarios/moe-*.toml) whose smoke preset runs at least one case of it: that is what puts each
// variant's oracle check into CI (scripts/test.sh runs every smoke preset). And every kernel
// scenario shipped, including those CI does not run (gpu-*, validation-*), loads and expands.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "core/variant.hpp"
#include "scenario/scenario.hpp"

namespace moat {
namespace {

TEST(ScenarioCoverage, EveryVariantHasSmokeCasesInItsFamilyScenarios) {
  std::set<std::string> smoked;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(MOAT_SOURCE_DIR "/scenarios")) {
    const std::string name = entry.path().filename().string();
    const bool family = name.rfind("attention-", 0) == 0 || name.rfind("moe-", 0) == 0;
    if (!family || entry.path().extension() != ".toml") continue;
    ++files;
    const Scenario s = load_scenario(entry.path().string());
    for (const Case& c : expand_cases(s, ExpandOptions{"smoke", {}, ""}))
      if (c.skip_reason.empty()) smoked.insert(c.spec->name);
  }
  ASSERT_GT(files, 0);
  std::string missing;
  for (const VariantSpec& spec : variant_specs())
    if (!smoked.count(spec.name)) missing += " " + spec.name;
  EXPECT_TRUE(missing.empty()) << "variants without a smoke case:" << missing;
}

TEST(ScenarioFiles, EveryKernelScenarioLoadsAndExpandsAtEveryTier) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(MOAT_SOURCE_DIR "/scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find("kind = \"model\"") != std::string::npos) continue;  // model scenarios
    ++files;
    SCOPED_TRACE(entry.path().filename().string());
    const Scenario s = load_scenario(entry.path().string());
    for (const std::string& tier : preset_names())
      EXPECT_FALSE(expand_cases(s, ExpandOptions{tier, {}, ""}).empty()) << tier;
  }
  EXPECT_GT(files, 10);
}

}  // namespace
}  // namespace moat
