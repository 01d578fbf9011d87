#include "reports/compare.hpp"

#include <cmath>
#include <set>

#include "reports/bootstrap.hpp"
#include "reports/hodges_lehmann.hpp"
#include "reports/mann_whitney.hpp"
#include "reports/multiple_testing.hpp"
#include "reports/number_format.hpp"
#include "reports/stats_descriptive.hpp"

namespace moat::reports {

namespace {

std::string percent(double relative) { return format_percent(relative); }

CaseComparison identify(const CaseRecord* base, const CaseRecord* head) {
  const CaseRecord& any = head ? *head : *base;
  CaseComparison c;
  c.id = any.id;
  c.name = any.name;
  c.variant = any.variant;
  c.repro = any.repro;
  c.base_samples = base ? base->samples_s.size() : 0;
  c.head_samples = head ? head->samples_s.size() : 0;
  if (base && base->ok()) c.base_median_s = median(base->samples_s);
  if (head && head->ok()) c.head_median_s = median(head->samples_s);
  if (base) c.base_instructions = base->instructions;
  if (head) c.head_instructions = head->instructions;
  return c;
}

// Records the verdict; returns true so the rules below read "return decide(...)".
bool decide(CaseComparison& c, Verdict v, std::string reason) {
  c.verdict = v;
  c.reason = std::move(reason);
  return true;
}

std::string status_text(const CaseRecord& r) {
  return r.reason.empty() ? r.status : r.status + " (" + r.reason + ")";
}

// Decides every case that needs no statistics; returns false for cases left to the timing test.
bool decide_without_timing(CaseComparison& c, const CaseRecord* base, const CaseRecord* head,
                           const CompareOptions& o) {
  if (!base) return decide(c, Verdict::incomparable, "only in the head run");
  if (!head) return decide(c, Verdict::incomparable, "only in the base run");
  if (base->status != head->status)
    return decide(c, Verdict::incomparable,
                  "status differs: base " + status_text(*base) + ", head " + status_text(*head));
  if (!base->ok())
    return decide(c, Verdict::insufficient, "not measured in either run: " + status_text(*head));
  if (base->instructions.has_value() != head->instructions.has_value())
    return decide(c, Verdict::incomparable,
                  std::string("instructions counted only in the ") +
                      (base->instructions ? "base" : "head") +
                      " run (callgrind timings are not comparable with native ones)");
  if (base->instructions) {
    c.mode = "instructions";
    c.ratio = *head->instructions / *base->instructions;
    c.threshold = o.instruction_tolerance;
    const double change = *c.ratio - 1;
    const std::string what = "instructions " + percent(change) + " (" +
                             format_count(*base->instructions) + " -> " +
                             format_count(*head->instructions) + ")";
    if (std::abs(change) <= o.instruction_tolerance)
      decide(c, Verdict::same,
             what + ", within the " + percent(o.instruction_tolerance) + " tolerance");
    else
      decide(c, change > 0 ? Verdict::slower : Verdict::faster,
             what + ", beyond the " + percent(o.instruction_tolerance) + " tolerance");
    return true;
  }
  if (base->samples_s.size() < o.min_samples || head->samples_s.size() < o.min_samples)
    return decide(c, Verdict::insufficient,
                  "too few samples (base " + std::to_string(base->samples_s.size()) + ", head " +
                      std::to_string(head->samples_s.size()) + "; need " +
                      std::to_string(o.min_samples) + " each)");
  return false;
}

// Ratio, interval, p-value and threshold of one timed case (the q-value comes later).
void measure_timing(CaseComparison& c, const CaseRecord& base, const CaseRecord& head,
                    const CompareOptions& o) {
  c.mode = "time";
  c.ratio = *c.head_median_s / *c.base_median_s;
  if (o.ci_method == CiMethod::hodges_lehmann) {
    std::vector<double> log_base, log_head;
    for (double s : base.samples_s) log_base.push_back(std::log(s));
    for (double s : head.samples_s) log_head.push_back(std::log(s));
    const ShiftEstimate shift = hodges_lehmann_shift(log_head, log_base, o.ci_level);
    c.ci_low = std::exp(shift.ci_low);
    c.ci_high = std::exp(shift.ci_high);
  } else {
    const Interval ci = bootstrap_median_ratio_ci(base.samples_s, head.samples_s, o.ci_level);
    c.ci_low = ci.low;
    c.ci_high = ci.high;
  }
  c.p_value = mann_whitney_u(head.samples_s, base.samples_s).p_value;
  c.threshold = std::max(
      o.threshold, o.noise_multiplier * pooled_robust_log_spread(base.samples_s, head.samples_s));
}

void decide_timing(CaseComparison& c, const CompareOptions& o) {
  const double ratio = *c.ratio;
  const double limit = std::log1p(*c.threshold);  // symmetric in log space: +5 % vs -4.76 %
  const std::string what = "median " + percent(ratio - 1) + ", CI [" + format_ratio(*c.ci_low) +
                           ", " + format_ratio(*c.ci_high) + "], q=" + format_p(*c.q_value);
  const std::string against = "threshold " + percent(*c.threshold);
  if (std::abs(std::log(ratio)) <= limit)
    return (void)decide(c, Verdict::same, what + ", within " + against);
  const bool slower = ratio > 1;
  const bool interval_agrees = slower ? *c.ci_low > 1 : *c.ci_high < 1;
  if (*c.q_value < o.alpha && interval_agrees)
    return (void)decide(c, slower ? Verdict::slower : Verdict::faster,
                        what + ", beyond " + against);
  decide(c, Verdict::ambiguous,
         what + ", beyond " + against + " but not significant (q >= " + format_p(o.alpha) +
             (interval_agrees ? "" : " or CI includes 1") + "): more samples needed");
}

}  // namespace

std::map<Verdict, int> Comparison::counts() const {
  std::map<Verdict, int> out;
  for (Verdict v : kAllVerdicts) out[v] = 0;
  for (const auto& c : cases) ++out[c.verdict];
  return out;
}

Comparison compare_runs(const ResultsDocument& base, const ResultsDocument& head,
                        const CompareOptions& options) {
  Comparison out;
  out.base_file = base.file;
  out.head_file = head.file;
  out.base_run = base.run;
  out.head_run = head.run;
  out.base_status = base.status;
  out.head_status = head.status;
  out.options = options;

  const auto diffs = environment_differences(base.run.environment, head.run.environment);
  if (!diffs.empty() && !options.allow_different_env)
    throw EnvironmentMismatch(
        "refusing to compare runs from different environments (" + base.file + " vs " + head.file +
        "):\n" + describe_differences(diffs) +
        "  hint: timings from different hardware or build settings are not comparable; pass "
        "--allow-different-env to compare anyway");
  out.environment_differences = diffs;
  if (base.status != "complete")
    out.notes.push_back("base run is incomplete (status " + base.status + ")");
  if (head.status != "complete")
    out.notes.push_back("head run is incomplete (status " + head.status + ")");
  if (!diffs.empty())
    out.notes.push_back("environments differ (allowed by --allow-different-env):\n" +
                        describe_differences(diffs));

  // Base order first, then cases only the head run has, in its order.
  std::vector<std::pair<const CaseRecord*, const CaseRecord*>> pairs;
  std::set<std::string> in_base;
  for (const auto& b : base.cases) {
    pairs.emplace_back(&b, head.find_case(b.id));
    in_base.insert(b.id);
  }
  for (const auto& h : head.cases)
    if (!in_base.count(h.id)) pairs.emplace_back(nullptr, &h);

  std::vector<std::size_t> timed;  // indices of cases going through the statistical test
  for (const auto& [b, h] : pairs) {
    CaseComparison c = identify(b, h);
    if (!decide_without_timing(c, b, h, options)) {
      measure_timing(c, *b, *h, options);
      timed.push_back(out.cases.size());
    }
    out.cases.push_back(std::move(c));
  }

  std::vector<double> p_values;
  for (std::size_t i : timed) p_values.push_back(*out.cases[i].p_value);
  const std::vector<double> q_values = benjamini_hochberg(p_values);
  for (std::size_t k = 0; k < timed.size(); ++k) {
    out.cases[timed[k]].q_value = q_values[k];
    decide_timing(out.cases[timed[k]], options);
  }
  return out;
}

std::optional<FailOn> parse_fail_on(const std::string& text) {
  if (text == "slower") return FailOn::slower;
  if (text == "ambiguous") return FailOn::ambiguous;
  if (text == "never") return FailOn::never;
  return std::nullopt;
}

int comparison_exit_code(const Comparison& c, FailOn fail_on) {
  const auto counts = c.counts();
  switch (fail_on) {
    case FailOn::never:
      return 0;
    case FailOn::slower:
      return counts.at(Verdict::slower) > 0 ? 1 : 0;
    case FailOn::ambiguous:
      return counts.at(Verdict::slower) + counts.at(Verdict::ambiguous) > 0 ? 1 : 0;
  }
  return 0;
}

}  // namespace moat::reports
