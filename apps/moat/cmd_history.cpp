// `moat history append|check`: the per-testbed history of case medians and its change points.
#include <iostream>
#include <memory>
#include <optional>

#include "apps/moat/commands_reports.hpp"
#include "core/error.hpp"
#include "reports/annotations.hpp"
#include "reports/history_analysis.hpp"
#include "reports/number_format.hpp"

namespace moat::cli {

namespace {

struct AppendArgs {
  std::string results, store, testbed;
};

struct CheckArgs {
  std::string store, testbed, results, case_id, annotations;
  reports::ChangePointOptions detection;
  std::string fail_on = "regression";
};

int run_append(const AppendArgs& a) {
  const auto doc = reports::load_results_document(a.results);
  const auto r = reports::append_to_history(doc, a.store, a.testbed);
  if (r.already_recorded)
    std::cout << "run " << doc.run.started_at << " (" << doc.run.git_sha << ") is already in "
              << r.file << "\n";
  else
    std::cout << "appended " << r.appended << " cases to " << r.file
              << (r.not_ok ? " (" + std::to_string(r.not_ok) + " cases without timing skipped)"
                           : "")
              << "\n";
  return 0;
}

int run_check(const CheckArgs& a) {
  std::optional<reports::ResultsDocument> doc;
  if (!a.results.empty()) doc = reports::load_results_document(a.results);
  const std::string file =
      reports::resolve_history_file(a.store, a.testbed, doc ? &doc->run.environment : nullptr);
  const auto notes =
      a.annotations.empty() ? reports::Annotations{} : reports::load_annotations(a.annotations);
  const auto histories =
      reports::analyze_history(reports::read_history(file), a.detection, notes, a.case_id);
  if (!a.case_id.empty() && histories.empty())
    throw Error(file + ": error: no history for case '" + a.case_id + "'");
  int regressions = 0, changes = 0;
  for (const auto& h : histories) {
    for (const auto& c : h.changes) {
      ++changes;
      if (c.kind == reports::ChangeKind::regression) ++regressions;
      std::cout << to_string(c.kind) << "  " << h.case_id << "\n    at " << c.git_sha << " ("
                << c.started_at << ", point " << c.point.index + 1 << " of " << h.values.size()
                << "): " << h.metric << " " << reports::format_percent(c.point.ratio - 1)
                << ", p=" << reports::format_p(c.point.p_value)
                << (c.accepted_reason.empty() ? "" : "\n    accepted: " + c.accepted_reason)
                << "\n";
    }
  }
  std::cout << histories.size() << " cases, " << changes << " change points, " << regressions
            << " unaccepted regressions (" << file << ")\n";
  return regressions > 0 && a.fail_on == "regression" ? 1 : 0;
}

}  // namespace

void add_history_command(CLI::App& app) {
  CLI::App* history = app.add_subcommand(
      "history",
      "Per-testbed history of case medians (append-only JSON Lines, STORE/<testbed>.jsonl) and "
      "change-point detection over it. See docs/reports.md.");
  history->require_subcommand(1);

  auto append = std::make_shared<AppendArgs>();
  CLI::App* add = history->add_subcommand("append",
                                          "Append one line per ok case of a complete results "
                                          "document (a run already stored is skipped)");
  add->add_option("RESULTS", append->results, "Results document of a complete run")->required();
  add->add_option("--store", append->store, "History store directory (created if missing)")
      ->required();
  add->add_option(
      "--testbed", append->testbed,
      "Testbed name (default: derived from hardware profile, execution space, build type and a "
      "hash of CPU and device)");
  add->callback(
      [append] { run_reporting_command("history append", [&] { return run_append(*append); }); });

  auto check = std::make_shared<CheckArgs>();
  CLI::App* chk = history->add_subcommand(
      "check",
      "Detect change points in every case's history (binary segmentation, seeded permutation test, "
      "minimum effect). Exit 1 on a regression not acknowledged in --annotations (see --fail-on)");
  chk->add_option("--store", check->store, "History store directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  chk->add_option("--testbed", check->testbed, "Testbed to check (default: the store's only one)");
  chk->add_option("--results", check->results, "Use the testbed of this results document");
  chk->add_option("--case", check->case_id, "Check only this case id");
  chk->add_option("--annotations", check->annotations, "TOML file of accepted changes");
  chk->add_option_function<double>(
         "--min-effect", [c = check.get()](double pct) { c->detection.min_effect = pct / 100; },
         "Smallest level change reported, in percent (default 5)")
      ->check(CLI::Range(0.0, 1000.0));
  chk->add_option("--alpha", check->detection.alpha,
                  "Permutation-test p-value needed for a split (default 0.01)")
      ->check(CLI::Range(0.001, 0.5));
  chk->add_option("--min-segment", check->detection.min_segment,
                  "Runs on each side of a change (default 3)")
      ->check(CLI::Range(1, 1000));
  chk->add_option("--fail-on", check->fail_on, "Exit 1 on: regression (default) or never")
      ->check(CLI::IsMember({"regression", "never"}));
  chk->callback(
      [check] { run_reporting_command("history check", [&] { return run_check(*check); }); });
}

}  // namespace moat::cli
