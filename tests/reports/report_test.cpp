// Markdown and HTML reports: content, size limits, escaping of hostile text, sweeps, roofs,
// procurement tables and the Chart.js requirement.
#include <gtest/gtest.h>

#include <regex>

#include "core/error.hpp"
#include "reports/chartjs_asset.hpp"
#include "reports/html_escape.hpp"
#include "reports/html_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/procurement_table.hpp"
#include "reports/report_data.hpp"
#include "reports/roofline_data.hpp"
#include "reports/sweep_detection.hpp"
#include "synthetic_results.hpp"

namespace moat::reports {
namespace {

using testing::SyntheticCase;
using testing::SyntheticRun;

const char* kHostile = "</script><script>alert(1)</script><!--|`*";

SyntheticCase make(int heads, double median, std::optional<double> predicted = 1e-3) {
  SyntheticCase c;
  c.params = {{"batch", 1}, {"heads_q", heads}, {"causal", true}};
  c.samples = testing::even_samples(median, 0.01, 10, median > 1.05e-3 ? 0.7 : 0.3);
  c.predicted_s = predicted;
  c.flops = 2e9 * heads;
  c.bytes_dram = 1e7 * heads;
  return c;
}

ReportContext context(int regressions, bool hostile = false) {
  std::vector<SyntheticCase> base, head;
  for (int i = 0; i < 4 + regressions; ++i) {
    base.push_back(make(i + 1, 1e-3));
    head.push_back(make(i + 1, i < regressions ? 1.3e-3 : 1e-3));
  }
  if (hostile) {
    SyntheticCase evil = make(1, 1e-3);
    evil.variant = kHostile;
    base.push_back(evil);
    evil.samples = testing::even_samples(2e-3, 0.01, 10, 0.7);
    head.push_back(evil);
  }
  SyntheticRun head_run;
  head_run.sha = "2222222222222222222222222222222222222222";
  ReportContext ctx{parse_results_document(testing::results_doc(head_run, head), "head.json"),
                    parse_results_document(testing::results_doc({}, base), "base.json"),
                    {},
                    {},
                    {},
                    {},
                    2.0};
  ctx.comparison = compare_runs(*ctx.base, ctx.head, {});
  return ctx;
}

TEST(MarkdownReport, SummarisesVerdictsRegressionsOutliersAndRepro) {
  const std::string md = markdown_report(context(2));
  EXPECT_NE(md.find("## moat: `222222222222` vs base `111111111111`"), std::string::npos) << md;
  EXPECT_NE(md.find("**2** SLOWER · **0** FASTER · **4** SAME"), std::string::npos) << md;
  EXPECT_NE(md.find("Geometric-mean time ratio head/base: **"), std::string::npos);
  EXPECT_NE(md.find("### Regressions (SLOWER) (2)"), std::string::npos);
  // Ids contain '|', which would split the table cell: escaped.
  EXPECT_NE(
      md.find("`attention.dense?batch=1,causal=true,heads\\_q=1\\|fp32\\|moat\\|Serial\\|warm`"),
      std::string::npos)
      << md;
  // 1.3 ms measured vs 1 ms predicted is within 2x; nothing is an outlier here.
  EXPECT_EQ(md.find("Model vs measurement outliers"), std::string::npos);
  EXPECT_NE(md.find("<details><summary>Repro commands</summary>"), std::string::npos);
  EXPECT_NE(
      md.find(
          "moat run scenarios/test.toml --filter 'attention.dense?batch=1,causal=true,heads_q=2'"),
      std::string::npos);
}

TEST(MarkdownReport, StaysPrCommentSizedWithManyRegressions) {
  const std::string md = markdown_report(context(40));
  EXPECT_LT(md.size(), 60000u);
  EXPECT_NE(md.find("…and 15 more"), std::string::npos);
}

TEST(MarkdownReport, ModelOutliersAndSingleRunSummary) {
  std::vector<SyntheticCase> cases = {make(1, 1e-3, 1e-4), make(2, 1e-3, 9e-4)};
  ReportContext ctx{
      parse_results_document(testing::results_doc({}, cases), "run.json"), {}, {}, {}, {}, {}, 2.0};
  const std::string md = markdown_report(ctx);
  EXPECT_NE(md.find("## moat run `111111111111` (2 cases)"), std::string::npos) << md;
  // The case table and the model summary over the recorded ratios 10.006 and 1.112 (the synthetic
  // samples carry noise): median 5.559, geometric mean 3.335.
  EXPECT_NE(md.find("| case | status | measured (median) | predicted | measured/predicted |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("measured/predicted over 2 ok cases: median 5.559, geometric mean 3.335"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("### Model vs measurement outliers (1, measured/predicted beyond 2×)"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| 10.0"), std::string::npos) << md;
}

TEST(MarkdownReport, RunsComparingImplementationsNameThemPerRow) {
  SyntheticCase moat = make(1, 2e-3), vendor = make(1, 1e-3);
  vendor.implementation = "cublas";
  ReportContext ctx{parse_results_document(testing::results_doc({}, {moat, vendor}), "run.json"),
                    {},
                    {},
                    {},
                    {},
                    {},
                    2.0};
  const std::string md = markdown_report(ctx);
  EXPECT_NE(md.find("`attention.dense?batch=1,causal=true,heads\\_q=1 (moat)`"), std::string::npos)
      << md;
  EXPECT_NE(md.find("`attention.dense?batch=1,causal=true,heads\\_q=1 (cublas)`"),
            std::string::npos)
      << md;
  // A run of one implementation keeps the bare names.
  ReportContext single{parse_results_document(testing::results_doc({}, {moat}), "run.json"),
                       {},
                       {},
                       {},
                       {},
                       {},
                       2.0};
  EXPECT_EQ(markdown_report(single).find("(moat)"), std::string::npos);
}

TEST(MarkdownReport, RunsWithSeveralDtypesNameThemPerRow) {
  SyntheticCase fp32 = make(1, 2e-3), bf16 = make(1, 1e-3);
  bf16.dtype = "bf16";
  ReportContext ctx{parse_results_document(testing::results_doc({}, {fp32, bf16}), "run.json"),
                    {},
                    {},
                    {},
                    {},
                    {},
                    2.0};
  const std::string md = markdown_report(ctx);
  EXPECT_NE(md.find("`attention.dense?batch=1,causal=true,heads\\_q=1 \\[fp32\\]`"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("`attention.dense?batch=1,causal=true,heads\\_q=1 \\[bf16\\]`"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("(moat)"), std::string::npos) << md;  // one implementation: not named
}

TEST(Escaping, HtmlScriptJsonAndMarkdown) {
  EXPECT_EQ(escape_html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  const nlohmann::json data = {{"name", std::string(kHostile) + "\xE2\x80\xA8"}};
  const std::string safe = json_for_script(data);
  EXPECT_EQ(safe.find("</"), std::string::npos);
  EXPECT_EQ(safe.find("<!--"), std::string::npos);
  EXPECT_EQ(safe.find('<'), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(safe), data);  // still the same JSON
  EXPECT_EQ(script_safe_js("a='</SCRIPT>';b='<!--'"), "a='<\\/SCRIPT>';b='<\\!--'");
  EXPECT_EQ(escape_markdown_cell("a|b`c\nd<e"), "a\\|b\\`c d&lt;e");
}

TEST(HtmlReport, HostileCaseNamesCannotEscapeTheirContext) {
  const std::string html =
      html_report(context(1, true), "/*! Chart.js v3.9.1 */ window.Chart = function(){};");
  // The hostile name appears escaped in the table and as \u003c escapes in the data, never raw.
  EXPECT_EQ(html.find(kHostile), std::string::npos);
  EXPECT_EQ(html.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(html.find("&lt;/script&gt;&lt;script&gt;alert(1)"), std::string::npos);
  // Exactly the three script blocks we emit: data, Chart.js, report script.
  const std::regex open_script("<script");
  EXPECT_EQ(std::distance(std::sregex_iterator(html.begin(), html.end(), open_script),
                          std::sregex_iterator()),
            3);
  const std::regex close_script("</script>");
  EXPECT_EQ(std::distance(std::sregex_iterator(html.begin(), html.end(), close_script),
                          std::sregex_iterator()),
            3);
}

TEST(HtmlReport, IsSelfContainedWithAllSections) {
  const std::string html =
      html_report(context(1), "/*! Chart.js v3.9.1 */ window.Chart = function(){};");
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  for (const char* id :
       {"summary", "comparison", "roofline-charts", "prediction-charts", "sweeps-charts",
        "distributions-charts", "moat-render-status", "moat-data"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_EQ(html.find("id=\"history\""), std::string::npos);  // no store given
  EXPECT_NE(html.find("window.Chart = function(){};"), std::string::npos);
}

TEST(ReportData, SweepsGroupCasesDifferingInOneParameter) {
  std::vector<SyntheticCase> cases;
  for (int heads : {4, 1, 2}) cases.push_back(make(heads, 1e-3 * heads));
  SyntheticCase other = make(1, 1e-3);
  other.params["batch"] = 2;  // differs in two parameters from the rest: no sweep partner
  other.params["heads_q"] = 3;
  cases.push_back(other);
  const auto doc = parse_results_document(testing::results_doc({}, cases), "run.json");
  const auto sweeps = detect_sweeps(doc, 10);
  ASSERT_EQ(sweeps.size(), 1u);
  EXPECT_EQ(sweeps[0].axis, "heads_q");
  EXPECT_EQ(sweeps[0].x, (std::vector<double>{1, 2, 4}));
  EXPECT_NEAR(sweeps[0].median_s[2], 4e-3, 1e-5);
  EXPECT_EQ(sweeps[0].fixed, "batch=1,causal=true|fp32|moat|Serial|warm");
  std::size_t omitted = 0;
  EXPECT_TRUE(detect_sweeps(doc, 0, &omitted).empty());
  EXPECT_EQ(omitted, 1u);
}

TEST(ReportData, RooflineRoofsComeFromTheHardwareProfile) {
  const std::string profile =
      testing::write_temp_file("testhw.toml",
                               "name = \"Test HW\"\nkind = \"cpu\"\nprovenance = \"datasheet\"\n"
                               "[compute.fp32]\nmatrix_flops = 1.0e12\nvector_flops = 5.0e11\n"
                               "[[memory]]\nname = \"L2\"\nbandwidth = 1.0e12\n[[memory]]\nname = "
                               "\"DDR5\"\nbandwidth = 1.0e11\n");
  SyntheticRun run;
  run.profile_path = "/not/on/this/machine.toml";
  const auto doc =
      parse_results_document(testing::results_doc(run, {make(1, 1e-3), make(2, 1e-3)}), "run.json");
  const auto data = roofline_data(doc, {profile});
  ASSERT_EQ(data["points"].size(), 2u);
  EXPECT_DOUBLE_EQ(data["points"][0]["x"].get<double>(), 200.0);  // 2e9 FLOP / 1e7 B
  EXPECT_NEAR(data["points"][0]["y"].get<double>(), 2e12, 2e9);   // 2e9 FLOP / ~1 ms
  ASSERT_EQ(data["roofs"].size(), 2u);
  EXPECT_EQ(data["roofs"][1]["label"], "testhw fp32 / DDR5");
  EXPECT_TRUE(data["roofs"][1]["main_memory"].get<bool>());
  EXPECT_DOUBLE_EQ(data["roofs"][1]["points"][1]["x"].get<double>(), 10.0);  // ridge 1e12 / 1e11
  EXPECT_DOUBLE_EQ(data["roofs"][1]["points"][1]["y"].get<double>(), 1e12);
  ASSERT_EQ(data["notes"].size(), 1u);
  EXPECT_NE(data["notes"][0].get<std::string>().find("/not/on/this/machine.toml"),
            std::string::npos);
}

TEST(ReportData, ProcurementTableKeepsColumnOrder) {
  const std::string file =
      testing::write_temp_file("proc.json", R"({"schema": "moat.procurement", "title": "MoE decode",
    "rankings": [{"rank": 1, "hardware": "h100-sxm", "tokens_per_s_per_usd": 1234.5678},
                 {"rank": 2, "hardware": "<b>mi300x</b>", "notes": "est."}]})");
  const auto t = load_procurement_table(file);
  EXPECT_EQ(t.title, "MoE decode");
  EXPECT_EQ(t.columns,
            (std::vector<std::string>{"rank", "hardware", "tokens_per_s_per_usd", "notes"}));
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"1", "h100-sxm", "1235", ""}));
  EXPECT_EQ(t.rows[1][3], "est.");
  ReportContext ctx = context(0);
  ctx.procurement = t;
  const std::string html = html_report(ctx, "/*! Chart.js v3 */");
  EXPECT_NE(html.find("&lt;b&gt;mi300x&lt;/b&gt;"), std::string::npos);

  const std::string wrong =
      testing::write_temp_file("wrong.json", R"({"schema": "moat.results", "rankings": []})");
  EXPECT_THROW(load_procurement_table(wrong), Error);
}

TEST(ChartJs, MissingBundleIsAClearError) {
  try {
    load_chartjs("/nonexistent/chart.min.js");
    FAIL();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("Chart.js not found at '/nonexistent/chart.min.js'"), std::string::npos);
    EXPECT_NE(what.find("apt-get install libjs-chart.js"), std::string::npos);
  }
  const std::string esm =
      testing::write_temp_file("chart.mjs", "/*! Chart.js v3.9.1 */ export { Chart };");
  EXPECT_THROW(load_chartjs(esm), Error);
}

}  // namespace
}  // namespace moat::reports
