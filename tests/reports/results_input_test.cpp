// Bad input: every error names the file and the JSON path (or line:col for syntax errors).
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "reports/json_input.hpp"
#include "reports/results_document.hpp"
#include "synthetic_results.hpp"

namespace moat::reports {
namespace {

nlohmann::json valid() {
  testing::SyntheticCase c;
  c.params = {{"batch", 1}};
  c.samples = {1e-3, 1.1e-3, 0.9e-3};
  testing::SyntheticCase d = c;
  d.params = {{"batch", 2}};
  return testing::results_doc({}, {c, d});
}

// The message of the moat::Error thrown when loading `doc` as file "in.json".
std::string error_of(const nlohmann::json& doc) {
  try {
    parse_results_document(doc, "in.json");
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for " << doc.dump().substr(0, 200);
  return {};
}

TEST(ResultsInput, ValidDocumentLoads) {
  const auto d = parse_results_document(valid(), "in.json");
  ASSERT_EQ(d.cases.size(), 2u);
  EXPECT_EQ(d.cases[0].id, "attention.dense?batch=1|fp32|moat|Serial|warm");
  EXPECT_EQ(d.run.environment.host_cpu, "Test CPU 3000");
  EXPECT_EQ(d.run.environment.device_name, "");
  EXPECT_EQ(d.cases[1].samples_s.size(), 3u);
}

TEST(ResultsInput, SyntaxErrorsGiveLineAndColumn) {
  const std::string text = "{\n  \"schema\": \"moat.results\",\n  \"status\": ,\n}\n";
  try {
    parse_json_text(text, "broken.json");
    FAIL();
  } catch (const Error& e) {
    const std::string what = e.what();
    // The ',' where a value should be is on line 3, column 13.
    EXPECT_EQ(what.rfind("broken.json:3:13: error: invalid JSON", 0), 0u) << what;
  }
  EXPECT_EQ(line_and_column("ab\ncd\n", 4), std::make_pair(2, 2));
}

TEST(ResultsInput, UnreadableFileIsNamed) {
  try {
    load_results_document("/nonexistent/dir/results.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/dir/results.json: error: cannot open file for reading");
  }
}

TEST(ResultsInput, WrongSchemaAndVersion) {
  auto d = valid();
  d["schema"] = "moat.procurement";
  EXPECT_NE(error_of(d).find(
                "in.json: error: $.schema: expected \"moat.results\", got \"moat.procurement\""),
            std::string::npos)
      << error_of(d);
  d = valid();
  d["schema_version"] = 2;
  EXPECT_EQ(error_of(d),
            "in.json: error: $.schema_version: unsupported version 2 (this moat reads 1)");
  d = valid();
  d["status"] = "done";
  EXPECT_NE(error_of(d).find("$.status: expected \"complete\" or \"running\""), std::string::npos);
}

TEST(ResultsInput, MissingFieldsAreNamedByPath) {
  auto d = valid();
  d["run"]["host"].erase("cpu");
  EXPECT_EQ(error_of(d), "in.json: error: $.run.host: missing required field 'cpu'");
  d = valid();
  d["cases"][1].erase("id");
  EXPECT_EQ(error_of(d), "in.json: error: $.cases[1]: missing required field 'id'");
  d = valid();
  d["cases"][0].erase("samples_s");
  EXPECT_EQ(error_of(d), "in.json: error: $.cases[0]: missing required field 'samples_s'");
  d = valid();
  d.erase("cases");
  EXPECT_EQ(error_of(d), "in.json: error: $: missing required field 'cases'");
}

TEST(ResultsInput, WrongTypesAndValues) {
  auto d = valid();
  d["cases"][0]["samples_s"] = "fast";
  EXPECT_EQ(error_of(d), "in.json: error: $.cases[0].samples_s: expected an array, got string");
  d = valid();
  d["cases"][0]["samples_s"][1] = -1.0;
  EXPECT_EQ(error_of(d),
            "in.json: error: $.cases[0].samples_s[1]: sample times must be positive seconds");
  d = valid();
  d["run"]["git"]["sha"] = 42;
  EXPECT_EQ(error_of(d), "in.json: error: $.run.git.sha: expected a string, got number");
  d = valid();
  d["cases"][1]["status"] = "crashed";
  EXPECT_NE(error_of(d).find("$.cases[1].status: unknown status 'crashed'"), std::string::npos);
  d = valid();
  d["cases"][0]["instructions"] = 0;
  EXPECT_EQ(error_of(d),
            "in.json: error: $.cases[0].instructions: instruction count must be positive");
  d = valid();
  d["run"]["device"] = {{"vendor", "x"}};
  EXPECT_EQ(error_of(d), "in.json: error: $.run.device: missing required field 'name'");
}

TEST(ResultsInput, DuplicateCaseIds) {
  auto d = valid();
  d["cases"][1]["id"] = d["cases"][0]["id"];
  EXPECT_EQ(error_of(d),
            "in.json: error: $.cases[1].id: duplicate case id "
            "'attention.dense?batch=1|fp32|moat|Serial|warm' (first at $.cases[0])");
}

TEST(ResultsInput, NonOkCasesNeedNoSamples) {
  auto d = valid();
  d["cases"][1]["status"] = "skipped";
  d["cases"][1].erase("samples_s");
  const auto doc = parse_results_document(d, "in.json");
  EXPECT_FALSE(doc.cases[1].ok());
  EXPECT_TRUE(doc.cases[1].samples_s.empty());
}

}  // namespace
}  // namespace moat::reports
