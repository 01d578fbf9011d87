// `moat report HEAD [--base BASE]`: Markdown summary for a PR comment and/or one self-contained
// HTML file with roofline, prediction, sweep, distribution and history charts.
#include <memory>

#include "apps/moat/commands_reports.hpp"
#include "reports/annotations.hpp"
#include "reports/chartjs_asset.hpp"
#include "reports/history_analysis.hpp"
#include "reports/html_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/output_file.hpp"

namespace moat::cli {

namespace {

struct ReportArgs {
  std::string head, base;
  reports::CompareOptions options;
  std::string markdown_out, html_out;
  std::vector<std::string> hardware;
  std::string history_store, testbed, annotations, procurement, chartjs;
  double model_outlier_factor = 2.0;
};

int run_report(const ReportArgs& a) {
  reports::ReportContext ctx{
      reports::load_results_document(a.head), {}, {}, a.hardware, {}, {}, a.model_outlier_factor};
  if (!a.base.empty()) {
    ctx.base = reports::load_results_document(a.base);
    ctx.comparison = reports::compare_runs(*ctx.base, ctx.head, a.options);
  }
  if (!a.history_store.empty()) {
    const std::string file =
        reports::resolve_history_file(a.history_store, a.testbed, &ctx.head.run.environment);
    const reports::Annotations notes =
        a.annotations.empty() ? reports::Annotations{} : reports::load_annotations(a.annotations);
    ctx.history = reports::analyze_history(reports::read_history(file), {}, notes);
  }
  if (!a.procurement.empty()) ctx.procurement = reports::load_procurement_table(a.procurement);

  // Read Chart.js before writing anything, so a missing file fails the whole command cleanly.
  const std::string chartjs = a.html_out.empty() ? std::string() : reports::load_chartjs(a.chartjs);
  const bool markdown_to_stdout = a.markdown_out.empty() && a.html_out.empty();
  if (!a.markdown_out.empty() || markdown_to_stdout)
    reports::write_output(markdown_to_stdout ? "-" : a.markdown_out, reports::markdown_report(ctx));
  if (!a.html_out.empty()) reports::write_output(a.html_out, reports::html_report(ctx, chartjs));
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Summarise a results document, or its comparison with --base: a Markdown summary sized for a "
      "PR comment (stdout unless --markdown/--html) and one self-contained HTML file (charts drawn "
      "offline with the inlined Chart.js). Exit code 0, or 2 on bad input. See docs/reports.md.");
  cmd->add_option("HEAD", args->head, "Results document to report on")->required();
  cmd->add_option("--base", args->base,
                  "Baseline results document: adds verdicts, ratios and the regression table");
  add_compare_settings(*cmd, args->options);
  cmd->add_option("--markdown", args->markdown_out,
                  "Write the Markdown summary to FILE ('-' = stdout)");
  cmd->add_option("--html", args->html_out, "Write the HTML report to FILE");
  cmd->add_option("--hardware", args->hardware,
                  "Hardware profile TOML(s) whose roofs to draw, besides the run's own profile")
      ->check(CLI::ExistingFile);
  cmd->add_option("--history", args->history_store,
                  "History store directory (moat history append): adds history charts");
  cmd->add_option("--testbed", args->testbed,
                  "Testbed in the history store (default: the head run's)");
  cmd->add_option("--annotations", args->annotations,
                  "TOML file of accepted changes (see docs/reports.md)");
  cmd->add_option("--procurement", args->procurement,
                  "moat.procurement JSON whose rankings to show as a table");
  cmd->add_option(
      "--chartjs", args->chartjs,
      "Chart.js UMD bundle to inline (default " + reports::default_chartjs_path() + ")");
  cmd->add_option("--model-outlier-factor", args->model_outlier_factor,
                  "Report cases whose measured/predicted lies beyond [1/F, F] (default 2)")
      ->check(CLI::Range(1.0, 1e6));
  cmd->callback([args] { run_reporting_command("report", [&] { return run_report(*args); }); });
}

}  // namespace moat::cli
