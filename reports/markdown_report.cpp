#include "reports/markdown_report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <vector>

#include "reports/html_escape.hpp"
#include "reports/number_format.hpp"
#include "reports/stats_descriptive.hpp"

namespace moat::reports {

namespace {

std::string short_sha(const std::string& sha) { return sha.substr(0, 12); }

std::string code(const std::string& text) { return "`" + escape_markdown_cell(text) + "`"; }

std::string opt_seconds(const std::optional<double>& s) { return s ? format_seconds(*s) : "–"; }

std::string ratio_with_ci(const CaseComparison& k) {
  if (!k.ratio) return "–";
  std::string text = format_ratio(*k.ratio);
  if (k.ci_low && k.ci_high)
    text += " [" + format_ratio(*k.ci_low) + ", " + format_ratio(*k.ci_high) + "]";
  return text;
}

void verdict_table(std::string& md, const Comparison& c, Verdict verdict,
                   const std::string& heading) {
  std::vector<const CaseComparison*> rows;
  for (const auto& k : c.cases)
    if (k.verdict == verdict) rows.push_back(&k);
  if (rows.empty()) return;
  md += fmt::format("\n### {} ({})\n\n", heading, rows.size());
  md += "| case | base | head | ratio [CI] | q | reason |\n|---|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < rows.size() && i < kMarkdownRowsPerTable; ++i) {
    const auto& k = *rows[i];
    const bool counted = k.mode == "instructions";
    md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", code(k.id),
                      counted ? format_count(*k.base_instructions) : opt_seconds(k.base_median_s),
                      counted ? format_count(*k.head_instructions) : opt_seconds(k.head_median_s),
                      ratio_with_ci(k), k.q_value ? format_p(*k.q_value) : "–",
                      escape_markdown_cell(k.reason));
  }
  if (rows.size() > kMarkdownRowsPerTable)
    md += fmt::format("\n…and {} more (see the HTML report or `moat compare --json`).\n",
                      rows.size() - kMarkdownRowsPerTable);
}

void comparison_sections(std::string& md, const ReportContext& ctx) {
  const Comparison& c = *ctx.comparison;
  md += fmt::format("## moat: {} vs base {}\n\n", code(short_sha(c.head_run.git_sha)),
                    code(short_sha(c.base_run.git_sha)));
  std::string counts;
  for (const auto& [verdict, count] : c.counts())
    counts += (counts.empty() ? "" : " · ") + fmt::format("**{}** {}", count, to_string(verdict));
  md += counts + "\n\n";
  if (auto g = geomean_ratio(c))
    md += fmt::format(
        "Geometric-mean time ratio head/base: **{}** ({:.0f}% CI {} – {}) over {} timed cases.\n",
        format_ratio(g->ratio), 100 * c.options.ci_level, format_ratio(g->low),
        format_ratio(g->high), g->cases);
  for (const auto& note : c.notes) md += "\n> **Note:** " + escape_markdown_cell(note) + "\n";
  if (!c.environment_differences.empty()) {
    md += "\n### Environment differences\n\n| field | base | head |\n|---|---|---|\n";
    for (const auto& d : c.environment_differences)
      md += fmt::format("| {} | {} | {} |\n", code(d.field), escape_markdown_cell(d.base),
                        escape_markdown_cell(d.head));
  }
  verdict_table(md, c, Verdict::slower, "Regressions (SLOWER)");
  verdict_table(md, c, Verdict::ambiguous, "Ambiguous (beyond threshold, not significant)");
  verdict_table(md, c, Verdict::faster, "Improvements (FASTER)");
  verdict_table(md, c, Verdict::incomparable, "Incomparable");
}

void run_summary(std::string& md, const ResultsDocument& run) {
  std::map<std::string, int> by_status;
  for (const auto& c : run.cases) ++by_status[c.status];
  md += fmt::format("## moat run {} ({} cases)\n\n", code(short_sha(run.run.git_sha)),
                    run.cases.size());
  for (const auto& [status, count] : by_status) md += fmt::format("- {}: {}\n", status, count);

  // Every case with its measurement beside the model, then how far the model was overall.
  md +=
      "\n| case | status | measured (median) | predicted | measured/predicted | bound |\n"
      "|---|---|---|---|---|---|\n";
  std::vector<double> ratios;
  for (std::size_t i = 0; i < run.cases.size(); ++i) {
    const CaseRecord& c = run.cases[i];
    if (c.ok() && c.measured_over_predicted && *c.measured_over_predicted > 0)
      ratios.push_back(*c.measured_over_predicted);
    if (i >= kMarkdownRowsPerTable) continue;
    const std::string status = c.reason.empty() ? c.status : c.status + ": " + c.reason;
    md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", code(run.label(c)),
                      escape_markdown_cell(status),
                      c.ok() && !c.samples_s.empty() ? format_seconds(median(c.samples_s)) : "–",
                      opt_seconds(c.predicted_s),
                      c.measured_over_predicted ? format_ratio(*c.measured_over_predicted) : "–",
                      escape_markdown_cell(c.predicted_bound.value_or("")));
  }
  if (run.cases.size() > kMarkdownRowsPerTable)
    md += fmt::format("\n…and {} more cases.\n", run.cases.size() - kMarkdownRowsPerTable);
  if (!ratios.empty()) {
    double log_sum = 0;
    for (double r : ratios) log_sum += std::log(r);
    md += fmt::format("\nmeasured/predicted over {} ok cases: median {}, geometric mean {}\n",
                      ratios.size(), format_ratio(median(ratios)),
                      format_ratio(std::exp(log_sum / double(ratios.size()))));
  }
}

void model_outlier_section(std::string& md, const ReportContext& ctx) {
  const auto outliers = model_outliers(ctx.head, ctx.model_outlier_factor);
  if (outliers.empty()) return;
  md += fmt::format("\n### Model vs measurement outliers ({}, measured/predicted beyond {}×)\n\n",
                    outliers.size(), ctx.model_outlier_factor);
  md += "| case | measured | predicted | measured/predicted | bound |\n|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < outliers.size() && i < kMarkdownRowsPerTable; ++i) {
    const CaseRecord& c = *outliers[i];
    md +=
        fmt::format("| {} | {} | {} | {} | {} |\n", code(c.id), format_seconds(median(c.samples_s)),
                    opt_seconds(c.predicted_s), format_ratio(*c.measured_over_predicted),
                    escape_markdown_cell(c.predicted_bound.value_or("")));
  }
  if (outliers.size() > kMarkdownRowsPerTable)
    md += fmt::format("\n…and {} more.\n", outliers.size() - kMarkdownRowsPerTable);
}

void repro_section(std::string& md, const ReportContext& ctx) {
  if (!ctx.comparison) return;
  std::vector<std::string> commands;
  for (const auto& k : ctx.comparison->cases)
    if ((k.verdict == Verdict::slower || k.verdict == Verdict::ambiguous) && !k.repro.empty())
      commands.push_back(k.repro);
  if (commands.empty()) return;
  md += "\n<details><summary>Repro commands</summary>\n\n```sh\n";
  for (std::size_t i = 0; i < commands.size() && i < kMarkdownRowsPerTable; ++i) {
    std::string line = commands[i];
    for (char& ch : line)
      if (ch == '\n' || ch == '`') ch = ' ';  // keep the fenced block closed
    md += line + "\n";
  }
  md += fmt::format("moat compare {} {}\n```\n\n</details>\n", ctx.comparison->base_file,
                    ctx.comparison->head_file);
}

}  // namespace

std::string markdown_report(const ReportContext& ctx) {
  std::string md;
  if (ctx.comparison)
    comparison_sections(md, ctx);
  else
    run_summary(md, ctx.head);
  model_outlier_section(md, ctx);
  repro_section(md, ctx);
  return md;
}

}  // namespace moat::reports
