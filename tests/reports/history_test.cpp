// History store (append-only JSON Lines per testbed), change points and annotations.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "reports/annotations.hpp"
#include "reports/change_points.hpp"
#include "reports/history_analysis.hpp"
#include "reports/history_store.hpp"
#include "synthetic_results.hpp"

namespace moat::reports {
namespace {

using testing::SyntheticCase;
using testing::SyntheticRun;

ResultsDocument run_at(int i, double median, std::string sha = {}) {
  SyntheticRun r;
  // Distinct in the first characters, so a 10-digit prefix names exactly one run.
  r.sha = sha.empty() ? std::to_string(10 + i) + "deadbeef" + std::string(30, '0') : sha;
  r.started_at = "2026-11-" + std::to_string(10 + i) + "T08:00:00Z";
  SyntheticCase c;
  c.params = {{"batch", 1}};
  c.samples = testing::even_samples(median, 0.01, 5);
  SyntheticCase skipped = c;
  skipped.params = {{"batch", 2}};
  skipped.status = "skipped";
  return parse_results_document(testing::results_doc(r, {c, skipped}),
                                "run" + std::to_string(i) + ".json");
}

std::size_t line_count(const std::string& file) {
  std::ifstream in(file);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

TEST(History, TestbedKeyIsReadableAndSeparatesEnvironments) {
  RunEnvironment env{"Test CPU 3000", "host-measured", "Serial", "Release", ""};
  const std::string key = testbed_key(env);
  EXPECT_EQ(key.rfind("host-measured-serial-release-", 0), 0u) << key;
  EXPECT_EQ(key.size(), std::string("host-measured-serial-release-").size() + 8);
  EXPECT_EQ(testbed_key(env), key);
  env.host_cpu = "Other CPU";
  EXPECT_NE(testbed_key(env), key);
  EXPECT_THROW(history_file("/tmp", "../escape"), Error);
}

TEST(History, AppendWritesOneLinePerOkCaseAndSkipsRunsAlreadyStored) {
  const std::string store = testing::fresh_temp_dir("append");
  const auto first = append_to_history(run_at(0, 1e-3), store);
  EXPECT_EQ(first.appended, 1u);
  EXPECT_EQ(first.not_ok, 1u);
  EXPECT_FALSE(first.already_recorded);
  EXPECT_EQ(line_count(first.file), 1u);
  const auto again = append_to_history(run_at(0, 1e-3), store);
  EXPECT_TRUE(again.already_recorded);
  EXPECT_EQ(line_count(first.file), 1u);
  append_to_history(run_at(1, 1.1e-3), store);
  const auto points = read_history(first.file);
  ASSERT_EQ(points.size(), 2u);
  EXPECT_DOUBLE_EQ(points[1].median_s, 1.1e-3);
  EXPECT_EQ(points[1].samples, 5u);
  EXPECT_EQ(points[0].case_id, "attention.dense?batch=1|fp32|moat|Serial|warm");
  EXPECT_EQ(resolve_history_file(store, "", nullptr), first.file);  // the only testbed
}

TEST(History, IncompleteRunsAndBadLinesAreRejected) {
  const std::string store = testing::fresh_temp_dir("bad");
  SyntheticRun running;
  running.status = "running";
  SyntheticCase c;
  c.samples = {1e-3};
  const auto doc = parse_results_document(testing::results_doc(running, {c}), "partial.json");
  EXPECT_THROW(append_to_history(doc, store), Error);

  const std::string file = store + "/tb.jsonl";
  std::ofstream(file)
      << R"({"schema":"moat.history","schema_version":1,"run_started_at":"t","git_sha":"s","case_id":"c","median_s":1,"samples":3})"
      << "\n{not json\n";
  try {
    read_history(file);
    FAIL();
  } catch (const Error& e) {
    // Column 3: the lexer gives up at the 'o' of "not" ('n' could still begin "null").
    EXPECT_EQ(std::string(e.what()).rfind(file + ":2:3: error: invalid JSON line", 0), 0u)
        << e.what();
  }
  try {
    resolve_history_file(store, "other", nullptr);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no history for testbed 'other' (available: tb)"),
              std::string::npos)
        << e.what();
  }
}

std::vector<double> series(const std::vector<std::pair<int, double>>& levels, double noise,
                           std::uint64_t seed) {
  std::vector<double> out;
  for (const auto& [count, level] : levels)
    for (double v : testing::lognormal_samples(level, noise, count, seed++)) out.push_back(v);
  return out;
}

TEST(ChangePoints, FindsAStepAndItsSize) {
  const auto values = series({{12, 1.0}, {12, 1.2}}, 0.01, 1);
  const auto cps = detect_change_points(values);
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].index, 12u);
  EXPECT_NEAR(cps[0].ratio, 1.2, 0.02);
  EXPECT_LE(cps[0].p_value, 0.01);
}

TEST(ChangePoints, FindsTwoStepsAndIsDeterministic) {
  const auto values = series({{10, 1.0}, {10, 1.3}, {10, 0.9}}, 0.01, 7);
  const auto a = detect_change_points(values);
  const auto b = detect_change_points(values);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].index, 10u);
  EXPECT_EQ(a[1].index, 20u);
  EXPECT_LT(a[1].ratio, 1.0);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(a[1].p_value, b[1].p_value);
}

TEST(ChangePoints, IgnoresNoiseAndChangesBelowTheMinimumEffect) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed)
    EXPECT_TRUE(detect_change_points(series({{30, 1.0}}, 0.03, 100 * seed)).empty())
        << "seed " << seed;
  // A real but small (3 %) step is significant yet below the 5 % minimum effect.
  const auto small = series({{15, 1.0}, {15, 1.03}}, 0.002, 3);
  EXPECT_TRUE(detect_change_points(small).empty());
  ChangePointOptions sensitive;
  sensitive.min_effect = 0.02;
  EXPECT_EQ(detect_change_points(small, sensitive).size(), 1u);
}

TEST(ChangePoints, ShortHistoriesHaveNoChangePoints) {
  EXPECT_TRUE(detect_change_points({1.0, 1.0, 2.0, 2.0, 2.0}).empty());  // < 2 x min_segment
  EXPECT_THROW(detect_change_points({1.0, -1.0}), Error);
}

TEST(Annotations, AcknowledgedChangeIsReportedAsAccepted) {
  const std::string store = testing::fresh_temp_dir("annotated");
  for (int i = 0; i < 16; ++i) append_to_history(run_at(i, i < 8 ? 1e-3 : 1.25e-3), store);
  const std::string file = resolve_history_file(store, "", nullptr);
  const auto points = read_history(file);
  const std::string change_sha = run_at(8, 1).run.git_sha;

  const auto plain = analyze_history(points, {}, {});
  ASSERT_EQ(plain.size(), 1u);
  ASSERT_EQ(plain[0].changes.size(), 1u);
  EXPECT_EQ(plain[0].changes[0].kind, ChangeKind::regression);
  EXPECT_EQ(plain[0].changes[0].git_sha, change_sha);

  const std::string toml = testing::write_temp_file(
      "accepted.toml",
      "[[accepted]]\ncase = \"attention.dense?batch=1|fp32|moat|Serial|warm\"\ncommit = \"" +
          change_sha.substr(0, 10) + "\"\nreason = \"bigger tiles, accepted\"\n");
  const auto annotated = analyze_history(points, {}, load_annotations(toml));
  ASSERT_EQ(annotated[0].changes.size(), 1u);
  EXPECT_EQ(annotated[0].changes[0].kind, ChangeKind::accepted);
  EXPECT_EQ(annotated[0].changes[0].accepted_reason, "bigger tiles, accepted");
}

TEST(Annotations, ErrorsPointIntoTheFile) {
  auto error_of = [](const std::string& text) {
    try {
      load_annotations(testing::write_temp_file("bad.toml", text));
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("[[accepted]]\ncase = \"*\"\ncommit = \"abcdef123\"\nreson = \"typo\"\n")
                .find("bad.toml:4:1: error: unknown key 'reson' in [[accepted]]"),
            std::string::npos);
  EXPECT_NE(error_of("[[accepted]]\ncase = \"*\"\ncommit = \"abc\"\nreason = \"r\"\n")
                .find("bad.toml:3:10: error: commit 'abc' is too short"),
            std::string::npos)
      << error_of("[[accepted]]\ncase = \"*\"\ncommit = \"abc\"\nreason = \"r\"\n");
  EXPECT_NE(error_of("[[accepted]]\ncase = \"*\"\ncommit = \"abcdef123\"\n").find("lacks 'reason'"),
            std::string::npos);
  EXPECT_NE(error_of("accepted = [\n").find("bad.toml:"), std::string::npos);
}

}  // namespace
}  // namespace moat::reports
