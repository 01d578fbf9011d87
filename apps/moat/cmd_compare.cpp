// `moat compare BASE HEAD`: per-case verdicts between two results documents.
#include <iostream>
#include <memory>

#include "apps/moat/commands_reports.hpp"
#include "reports/comparison_output.hpp"
#include "reports/markdown_report.hpp"
#include "reports/output_file.hpp"
#include "reports/results_document.hpp"

namespace moat::cli {

namespace {

struct CompareArgs {
  std::string base, head;
  reports::CompareOptions options;
  std::string fail_on = "slower";
  std::string json_out, markdown_out;
  bool quiet = false;
};

int run_compare(const CompareArgs& a) {
  const auto base = reports::load_results_document(a.base);
  const auto head = reports::load_results_document(a.head);
  const auto comparison = reports::compare_runs(base, head, a.options);
  if (!a.quiet) std::cout << reports::comparison_text(comparison);
  if (!a.json_out.empty())
    reports::write_output(a.json_out, reports::comparison_json(comparison).dump(2) + "\n");
  if (!a.markdown_out.empty()) {
    reports::ReportContext ctx{head, base, comparison, {}, {}, {}, 2.0};
    reports::write_output(a.markdown_out, reports::markdown_report(ctx));
  }
  return reports::comparison_exit_code(comparison, *reports::parse_fail_on(a.fail_on));
}

}  // namespace

void add_compare_settings(CLI::App& cmd, reports::CompareOptions& o) {
  // Percentages on the command line, fractions inside.
  cmd.add_option_function<double>(
         "--threshold", [&o](double pct) { o.threshold = pct / 100; },
         "Smallest change that counts, in percent (default 5); raised per case to "
         "--noise-multiplier times the runs' pooled robust CV")
      ->check(CLI::Range(0.0, 1000.0));
  cmd.add_option(
         "--noise-multiplier", o.noise_multiplier,
         "Threshold floor as a multiple of the pooled robust CV of both runs' samples (default 2)")
      ->check(CLI::Range(0.0, 100.0));
  cmd.add_option("--alpha", o.alpha,
                 "False discovery rate for the Benjamini-Hochberg q-values (default 0.05)")
      ->check(CLI::Range(1e-9, 0.5));
  cmd.add_option("--ci-level", o.ci_level, "Confidence level of the ratio intervals (default 0.95)")
      ->check(CLI::Range(0.5, 0.9999));
  cmd.add_option("--min-samples", o.min_samples,
                 "Samples needed in each run, else INSUFFICIENT (default 5)")
      ->check(CLI::Range(2, 1000000));
  cmd.add_option_function<double>(
         "--instruction-tolerance", [&o](double pct) { o.instruction_tolerance = pct / 100; },
         "Relative tolerance for callgrind instruction counts, in percent (default 0.5)")
      ->check(CLI::Range(0.0, 100.0));
  cmd.add_option_function<std::string>(
         "--ci-method",
         [&o](const std::string& m) {
           o.ci_method =
               m == "bootstrap" ? reports::CiMethod::bootstrap : reports::CiMethod::hodges_lehmann;
         },
         "Interval of the median ratio: hodges-lehmann (distribution-free, default) or bootstrap "
         "(seeded)")
      ->check(CLI::IsMember({"hodges-lehmann", "bootstrap"}));
  cmd.add_flag(
      "--allow-different-env", o.allow_different_env,
      "Compare even if CPU, hardware profile, execution space, build type or device differ");
}

void add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Compare two results documents case by case (matched by id): median ratio head/base with its "
      "confidence interval, Mann-Whitney p-value, Benjamini-Hochberg q-value and a verdict "
      "(SLOWER, FASTER, SAME, AMBIGUOUS, INSUFFICIENT, INCOMPARABLE) with its reason. Cases both "
      "runs "
      "counted under callgrind are compared by instruction count. Exit code: 0, 1 on a verdict "
      "named "
      "by --fail-on, 2 on bad input or different environments. See docs/reports.md.");
  cmd->add_option("BASE", args->base, "Results document of the baseline run")->required();
  cmd->add_option("HEAD", args->head, "Results document of the run under test")->required();
  add_compare_settings(*cmd, args->options);
  cmd->add_option(
         "--fail-on", args->fail_on,
         "Exit 1 on: slower (a confirmed SLOWER, default), ambiguous (SLOWER or AMBIGUOUS), never")
      ->check(CLI::IsMember({"slower", "ambiguous", "never"}));
  cmd->add_option("--json", args->json_out,
                  "Also write the comparison as moat.comparison JSON ('-' = stdout)");
  cmd->add_option("--markdown", args->markdown_out,
                  "Also write the PR-comment Markdown summary ('-' = stdout)");
  cmd->add_flag("--quiet,-q", args->quiet, "Do not print the text summary");
  cmd->callback([args] { run_reporting_command("compare", [&] { return run_compare(*args); }); });
}

}  // namespace moat::cli
