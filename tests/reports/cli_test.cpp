// The compare / report / history subcommands through CLI11, as `moat` runs them: exit codes,
// messages on stderr, files written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/moat/commands_reports.hpp"
#include "synthetic_results.hpp"

namespace moat::reports {
namespace {

using testing::SyntheticCase;
using testing::SyntheticRun;

struct Outcome {
  int code = 0;
  std::string out, err;
};

// Parses argv like main() would and returns the exit code CLI::App::exit produces.
Outcome run_moat(std::vector<std::string> args) {
  CLI::App app("moat");
  app.require_subcommand(1);
  cli::add_compare_command(app);
  cli::add_report_command(app);
  cli::add_history_command(app);
  std::vector<const char*> argv = {"moat"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  Outcome o;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    o.code = app.exit(e, out, err);
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  o.out = out.str();
  o.err = err.str();
  return o;
}

std::string results_file(const std::string& name, double median, SyntheticRun run = {}) {
  SyntheticCase c;
  c.params = {{"batch", 1}};
  c.samples = testing::even_samples(median, 0.01, 10, median > 1e-3 ? 0.7 : 0.3);
  return testing::write_temp_file(name, testing::results_doc(run, {c}).dump());
}

TEST(Cli, CompareExitCodes) {
  const auto base = results_file("cli_base.json", 1e-3);
  const auto same = results_file("cli_same.json", 1.001e-3);
  const auto slow = results_file("cli_slow.json", 1.3e-3);
  EXPECT_EQ(run_moat({"compare", base, same}).code, 0);
  const auto slower = run_moat({"compare", base, slow});
  EXPECT_EQ(slower.code, 1);
  EXPECT_NE(slower.out.find("SLOWER       attention.dense?batch=1|fp32|moat|Serial|warm"),
            std::string::npos)
      << slower.out;
  EXPECT_EQ(run_moat({"compare", base, slow, "--fail-on", "never"}).code, 0);
  EXPECT_EQ(run_moat({"compare", base, slow, "--threshold", "50"}).code, 0);  // 30 % < 50 %
}

TEST(Cli, CompareBadInputExitsTwoWithTheFileAndPath) {
  const auto base = results_file("cli_base2.json", 1e-3);
  const auto broken =
      testing::write_temp_file("cli_broken.json", "{\"schema\": \"moat.results\",\n \"x\": nope}");
  const auto r = run_moat({"compare", base, broken});
  EXPECT_EQ(r.code, 2);
  // Column 8 is where the lexer gives up: the 'o' of "nope" ('n' could begin "null").
  EXPECT_NE(r.err.find("moat compare: " + broken + ":2:8: error: invalid JSON"), std::string::npos)
      << r.err;

  SyntheticRun other;
  other.cpu = "Other CPU";
  const auto elsewhere = results_file("cli_other.json", 1e-3, other);
  const auto refused = run_moat({"compare", base, elsewhere});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("run.host.cpu: base 'Test CPU 3000' vs head 'Other CPU'"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(run_moat({"compare", base, elsewhere, "--allow-different-env"}).code, 0);
  EXPECT_NE(run_moat({"compare", base}).code, 0);  // HEAD missing: CLI11's own error
}

TEST(Cli, CompareWritesJsonAndMarkdown) {
  const auto base = results_file("cli_base3.json", 1e-3);
  const auto slow = results_file("cli_slow3.json", 1.3e-3);
  const std::string dir = testing::fresh_temp_dir("cli_out");
  const auto r = run_moat(
      {"compare", base, slow, "-q", "--json", dir + "/c.json", "--markdown", dir + "/c.md"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(r.out.empty());
  std::ifstream json(dir + "/c.json");
  EXPECT_EQ(nlohmann::json::parse(json)["counts"]["SLOWER"], 1);
  std::ifstream md(dir + "/c.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_NE(text.str().find("### Regressions (SLOWER) (1)"), std::string::npos);
}

TEST(Cli, ReportWritesHtmlOrFailsClearlyWithoutChartJs) {
  const auto base = results_file("cli_base4.json", 1e-3);
  const auto head = results_file("cli_head4.json", 1.3e-3);
  const std::string dir = testing::fresh_temp_dir("cli_report");
  const std::string chartjs =
      testing::write_temp_file("fake_chart.js", "/*! Chart.js v3.9.1 */ var Chart;");
  EXPECT_EQ(
      run_moat({"report", head, "--base", base, "--html", dir + "/r.html", "--chartjs", chartjs})
          .code,
      0);
  EXPECT_TRUE(std::filesystem::exists(dir + "/r.html"));
  const auto missing =
      run_moat({"report", head, "--html", dir + "/x.html", "--chartjs", "/nonexistent/chart.js"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("Chart.js not found at '/nonexistent/chart.js'"), std::string::npos)
      << missing.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/x.html"));
  const auto md = run_moat({"report", head, "--base", base});
  EXPECT_EQ(md.code, 0);
  EXPECT_NE(md.out.find("**1** SLOWER"), std::string::npos) << md.out;
}

TEST(Cli, HistoryAppendAndCheck) {
  const std::string store = testing::fresh_temp_dir("cli_history");
  for (int i = 0; i < 14; ++i) {
    SyntheticRun run;
    run.sha = std::to_string(10 + i) + "cafe" + std::string(34, '0');
    run.started_at = "2026-12-" + std::to_string(10 + i) + "T00:00:00Z";
    const auto file =
        results_file("cli_hist" + std::to_string(i) + ".json", i < 7 ? 1e-3 : 1.4e-3, run);
    const auto r = run_moat({"history", "append", file, "--store", store});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("appended 1 cases to "), std::string::npos) << r.out;
  }
  const auto check = run_moat({"history", "check", "--store", store});
  EXPECT_EQ(check.code, 1) << check.out << check.err;
  EXPECT_NE(
      check.out.find("regression  attention.dense?batch=1|fp32|moat|Serial|warm\n    at 17cafe"),
      std::string::npos)
      << check.out;
  const std::string notes = testing::write_temp_file(
      "cli_notes.toml", "[[accepted]]\ncase = \"*\"\ncommit = \"17cafe000\"\nreason = \"known\"\n");
  const auto accepted = run_moat({"history", "check", "--store", store, "--annotations", notes});
  EXPECT_EQ(accepted.code, 0) << accepted.out;
  EXPECT_NE(accepted.out.find("accepted: known"), std::string::npos);
  EXPECT_EQ(run_moat({"history", "check", "--store", store, "--case", "nope"}).code, 2);
}

}  // namespace
}  // namespace moat::reports
