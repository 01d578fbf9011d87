#include "reports/html_report.hpp"

#include <fmt/format.h>

#include "reports/html_escape.hpp"
#include "reports/number_format.hpp"
#include "reports/report_assets.hpp"
#include "reports/report_data.hpp"
#include "reports/stats_descriptive.hpp"

namespace moat::reports {

namespace {

using Html = std::string;

Html cell(const std::string& text, const char* cls = nullptr) {
  return cls ? fmt::format("<td class=\"{}\">{}</td>", cls, escape_html(text))
             : "<td>" + escape_html(text) + "</td>";
}

Html run_table(const ReportContext& ctx) {
  const ResultsDocument* runs[] = {ctx.base ? &*ctx.base : nullptr, &ctx.head};
  const char* names[] = {"base", "head"};
  Html h =
      "<table class=\"meta\"><tr><th></th><th>file</th><th>git</th><th>started</th>"
      "<th>scenario</th><th>cpu</th><th>profile</th><th>execution space</th><th>build</th>"
      "<th>device</th><th>status</th></tr>\n";
  for (int i = 0; i < 2; ++i) {
    if (!runs[i]) continue;
    const ResultsDocument& d = *runs[i];
    const auto& e = d.run.environment;
    h += "<tr><th>" + std::string(names[i]) + "</th>" + cell(d.file) +
         cell(d.run.git_sha.substr(0, 12) + (d.run.git_dirty ? " (dirty)" : "")) +
         cell(d.run.started_at) +
         cell(d.run.scenario_name + (d.run.preset.empty() ? "" : " / " + d.run.preset)) +
         cell(e.host_cpu) + cell(e.hardware_profile_id) + cell(e.execution_space) +
         cell(e.build_type + " " + d.run.compiler) +
         cell(e.device_name.empty() ? "–" : e.device_name) + cell(d.status) + "</tr>\n";
  }
  return h + "</table>\n";
}

Html summary_section(const Comparison& c) {
  Html h = "<section id=\"summary\"><h2>Summary</h2><p class=\"counts\">";
  for (const auto& [verdict, count] : c.counts())
    h += fmt::format("<span class=\"badge v-{0}\">{1} {0}</span> ", to_string(verdict), count);
  h += "</p>\n";
  if (auto g = geomean_ratio(c))
    h += fmt::format(
        "<p>Geometric-mean time ratio head/base: <b>{}</b> ({:.0f}% CI {} – {}) over {} timed "
        "cases.</p>\n",
        format_ratio(g->ratio), 100 * c.options.ci_level, format_ratio(g->low),
        format_ratio(g->high), g->cases);
  for (const auto& note : c.notes) h += "<p class=\"note\">" + escape_html(note) + "</p>\n";
  if (!c.environment_differences.empty()) {
    h += "<h3>Environment "
         "differences</h3><table><tr><th>field</th><th>base</th><th>head</th></tr>\n";
    for (const auto& d : c.environment_differences)
      h += "<tr>" + cell(d.field) + cell(d.base) + cell(d.head) + "</tr>\n";
    h += "</table>\n";
  }
  return h + "</section>\n";
}

Html comparison_table(const Comparison& c) {
  // Remarkable verdicts first; SAME last.
  std::vector<const CaseComparison*> rows;
  for (Verdict v : kAllVerdicts)
    if (v != Verdict::same)
      for (const auto& k : c.cases)
        if (k.verdict == v) rows.push_back(&k);
  for (const auto& k : c.cases)
    if (k.verdict == Verdict::same) rows.push_back(&k);
  Html h =
      "<section id=\"comparison\"><h2>Cases</h2><table class=\"cases\"><tr><th>verdict</th>"
      "<th>case</th><th>base</th><th>head</th><th>ratio</th><th>CI</th><th>q</th>"
      "<th>reason</th><th>repro</th></tr>\n";
  for (std::size_t i = 0; i < rows.size() && i < kMaxHtmlTableRows; ++i) {
    const auto& k = *rows[i];
    const bool counted = k.mode == "instructions";
    auto value = [&](const std::optional<double>& t, const std::optional<double>& n) {
      if (counted && n) return format_count(*n);
      return t ? format_seconds(*t) : std::string("–");
    };
    h += fmt::format("<tr class=\"v-{}\">", to_string(k.verdict)) + cell(to_string(k.verdict)) +
         cell(k.id, "id") + cell(value(k.base_median_s, k.base_instructions)) +
         cell(value(k.head_median_s, k.head_instructions)) +
         cell(k.ratio ? format_ratio(*k.ratio) : "–") +
         cell(k.ci_low && k.ci_high ? format_ratio(*k.ci_low) + " – " + format_ratio(*k.ci_high)
                                    : "–") +
         cell(k.q_value ? format_p(*k.q_value) : "–") + cell(k.reason) + cell(k.repro, "repro") +
         "</tr>\n";
  }
  h += "</table>\n";
  if (rows.size() > kMaxHtmlTableRows)
    h += fmt::format(
        "<p class=\"note\">{} more cases not shown; see <code>moat compare --json</code>.</p>\n",
        rows.size() - kMaxHtmlTableRows);
  return h + "</section>\n";
}

Html model_outlier_table(const ReportContext& ctx) {
  const auto outliers = model_outliers(ctx.head, ctx.model_outlier_factor);
  if (outliers.empty()) return {};
  Html h = fmt::format(
      "<h3>Model outliers (measured/predicted beyond {}×)</h3><table><tr><th>case</th>"
      "<th>measured</th><th>predicted</th><th>measured/predicted</th><th>bound</th></tr>\n",
      ctx.model_outlier_factor);
  for (std::size_t i = 0; i < outliers.size() && i < kMaxHtmlTableRows; ++i) {
    const CaseRecord& c = *outliers[i];
    h += "<tr>" + cell(c.id, "id") + cell(format_seconds(median(c.samples_s))) +
         cell(c.predicted_s ? format_seconds(*c.predicted_s) : "–") +
         cell(format_ratio(*c.measured_over_predicted)) + cell(c.predicted_bound.value_or("")) +
         "</tr>\n";
  }
  return h + "</table>\n";
}

Html history_table(const ReportContext& ctx) {
  Html rows;
  for (const auto& h : ctx.history)
    for (const auto& c : h.changes)
      rows += "<tr class=\"cp-" + to_string(c.kind) + "\">" + cell(to_string(c.kind)) +
              cell(h.case_id, "id") + cell(c.git_sha.substr(0, 12)) + cell(c.started_at) +
              cell(format_ratio(c.point.ratio)) + cell(format_p(c.point.p_value)) +
              cell(c.accepted_reason) + "</tr>\n";
  if (rows.empty()) return "<p>No change points in the history.</p>\n";
  return "<table><tr><th>change</th><th>case</th><th>first commit</th><th>run</th><th>ratio</th>"
         "<th>p</th><th>accepted because</th></tr>\n" +
         rows + "</table>\n";
}

Html procurement_section(const ProcurementTable& t) {
  Html h = "<section id=\"procurement\"><h2>Procurement ranking" +
           (t.title.empty() ? std::string() : ": " + escape_html(t.title)) +
           "</h2><p class=\"note\">from " + escape_html(t.file) + "</p><table><tr>";
  for (const auto& c : t.columns) h += "<th>" + escape_html(c) + "</th>";
  h += "</tr>\n";
  for (const auto& row : t.rows) {
    h += "<tr>";
    for (const auto& v : row) h += cell(v);
    h += "</tr>\n";
  }
  return h + "</table></section>\n";
}

Html chart_section(const char* id, const char* title, const char* explanation,
                   const Html& extra = {}) {
  return fmt::format(
      "<section id=\"{0}\"><h2>{1}</h2><p class=\"explain\">{2}</p>"
      "<div class=\"charts\" id=\"{0}-charts\"></div>{3}</section>\n",
      id, title, explanation, extra);
}

}  // namespace

std::string html_report(const ReportContext& ctx, const std::string& chartjs_source) {
  const std::string title = ctx.comparison
                                ? "moat report: " + ctx.head.run.git_sha.substr(0, 12) + " vs " +
                                      ctx.comparison->base_run.git_sha.substr(0, 12)
                                : "moat report: " + ctx.head.run.git_sha.substr(0, 12);
  Html h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" +
           escape_html(title) + "</title>\n<style>\n" + std::string(report_style()) +
           "\n</style>\n</head><body>\n<h1>" + escape_html(title) + "</h1>\n" + run_table(ctx);
  if (ctx.comparison) h += summary_section(*ctx.comparison) + comparison_table(*ctx.comparison);
  h += chart_section(
      "roofline", "Roofline",
      "Achieved FLOP/s against arithmetic intensity (FLOPs per DRAM byte) of the head run's "
      "cases; lines are the roofs of the hardware profiles (one per memory level and dtype).");
  h += chart_section(
      "prediction", "Predicted vs measured",
      "Median measured time against the model's prediction; the diagonal is a perfect "
      "model, points above it are slower than predicted.",
      model_outlier_table(ctx));
  h += chart_section("sweeps", "Sweeps",
                     "Cases of one variant that differ in a single parameter: measured median and "
                     "predicted time along that parameter.");
  h += chart_section("distributions", "Sample distributions",
                     "Every timing sample divided by the base median (head median without a base): "
                     "the spread is the run-to-run noise, the offset between runs the change.");
  if (!ctx.history.empty())
    h += chart_section("history", "History",
                       "Per-run medians of the testbed's history with the levels between detected "
                       "change points.",
                       history_table(ctx));
  if (ctx.procurement) h += procurement_section(*ctx.procurement);
  h += "<footer><div id=\"moat-render-status\" data-state=\"pending\">charts not drawn "
       "(JavaScript disabled or failed)</div></footer>\n";
  h += "<script type=\"application/json\" id=\"moat-data\">" +
       json_for_script(report_chart_data(ctx)) + "</script>\n";
  h += "<script>\n" + script_safe_js(chartjs_source) + "\n</script>\n";
  h += "<script>\n" + script_safe_js(report_script()) + "\n</script>\n</body></html>\n";
  return h;
}

}  // namespace moat::reports
