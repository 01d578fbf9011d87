#include "model/validation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "model/curve_path.hpp"
#include "model/results_cases.hpp"
#include "model/roofline.hpp"
#include "model/statistics.hpp"

namespace moat::model {

namespace {

struct Compared {
  double ratio = 0;  // measured / predicted
  int band = -1;     // 1: inside [low_s, high_s], 0: outside, -1: no band recorded
};

ValidationStats stats_of(std::string family, const std::vector<Compared>& cs) {
  std::vector<double> errors, ratios;
  int with_band = 0, inside = 0;
  for (const auto& c : cs) {
    ratios.push_back(c.ratio);
    errors.push_back(std::abs(c.ratio - 1));
    if (c.band >= 0) {
      ++with_band;
      inside += c.band;
    }
  }
  ValidationStats v;
  v.family = std::move(family);
  v.cases = static_cast<int>(cs.size());
  v.median_error = median(errors);
  v.p90_error = percentile(errors, 90);
  v.median_ratio = median(ratios);
  v.with_band = with_band;
  v.within_band = with_band > 0 ? double(inside) / with_band : NAN;
  return v;
}

}  // namespace

ValidationSummary summarize_validation(const nlohmann::json& doc) {
  ValidationSummary s;
  std::map<std::string, std::vector<Compared>> by_family;
  std::vector<Compared> all;
  for (const auto& c : measured_cases(doc)) {
    if (!c.predicted_s) {
      ++s.without_prediction;
      continue;
    }
    Compared x;
    x.ratio = c.measured_s / *c.predicted_s;
    if (c.low_s && c.high_s) x.band = *c.low_s <= c.measured_s && c.measured_s <= *c.high_s;
    by_family[c.family].push_back(x);
    all.push_back(x);
    s.cases.push_back({c.name, c.family, c.measured_s, *c.predicted_s, c.storage});
  }
  std::stable_sort(
      s.cases.begin(), s.cases.end(),
      [](const ValidationCase& a, const ValidationCase& b) { return a.error() > b.error(); });
  for (const auto& [family, ratios] : by_family) s.families.push_back(stats_of(family, ratios));
  if (all.empty()) {
    s.overall.median_error = s.overall.p90_error = s.overall.median_ratio = NAN;
    s.overall.within_band = NAN;
  } else {
    s.overall = stats_of("", all);
  }
  return s;
}

nlohmann::json repredict(const nlohmann::json& doc, const HardwareProfile& hw, bool family_only) {
  measured_cases(doc);  // throws for documents that are not moat.results
  nlohmann::json out = doc;
  auto cases = out.find("cases");
  if (cases == out.end() || !cases->is_array()) return out;
  for (auto& c : *cases) {
    if (c.value("status", "") != "ok") continue;
    c["prediction"] = nullptr;
    c["measured_over_predicted"] = nullptr;
    auto w = c.find("work");
    if (w == c.end() || !w->is_object()) continue;
    auto num = [&](const char* k) {
      auto it = w->find(k);
      return it != w->end() && it->is_number() ? it->get<double>() : 0.0;
    };
    Cost k;
    k.flops_matrix = num("flops_matrix");
    k.flops_vector = num("flops_vector");
    k.special_ops = num("special_ops");
    k.bytes_dram = num("bytes_dram");
    k.bytes_onchip = num("bytes_onchip");
    k.launches = num("launches");
    PredictOptions o;
    o.family = c.value("family", "");
    o.variant = family_only ? "" : c.value("variant", "");
    o.path = family_only ? "" : curve_path_of_case(c);
    o.apply_calibration = true;
    const DType dt = math_dtype(c);
    const Prediction p = predict_roofline(k, dt, hw, o);
    c["prediction"] = {{"seconds", p.seconds},
                       {"bound", p.bound},
                       {"low_s", p.low_s},
                       {"high_s", p.high_s},
                       {"hardware", p.hardware},
                       {"efficiency", p.efficiency},
                       {"calibration", p.calibration_level}};
    if (auto sm = c.find("summary"); sm != c.end() && sm->is_object() && p.seconds > 0)
      c["measured_over_predicted"] = sm->value("median_s", 0.0) / p.seconds;
  }
  return out;
}

void print_validation(const ValidationSummary& s, std::ostream& out, int worst) {
  char line[256];
  std::snprintf(line, sizeof line, "%-34s %6s %10s %10s %10s %8s\n", "family", "cases",
                "median err", "p90 err", "meas/pred", "in band");
  out << line;
  auto row = [&](const ValidationStats& v, const std::string& label) {
    char band[16] = "-";
    if (v.with_band > 0) std::snprintf(band, sizeof band, "%.0f%%", 100 * v.within_band);
    std::snprintf(line, sizeof line, "%-34s %6d %9.1f%% %9.1f%% %10.3g %8s\n", label.c_str(),
                  v.cases, 100 * v.median_error, 100 * v.p90_error, v.median_ratio, band);
    out << line;
  };
  for (const auto& f : s.families) row(f, f.family.empty() ? "(no family)" : f.family);
  row(s.overall, "overall");
  if (s.without_prediction > 0)
    out << s.without_prediction << " ok case(s) had no prediction and were left out\n";
  const int n = std::min<int>(worst, int(s.cases.size()));
  if (n > 0) out << "largest errors (measured / predicted):\n";
  for (int i = 0; i < n; ++i) {
    const ValidationCase& c = s.cases[std::size_t(i)];
    std::snprintf(line, sizeof line, "  %8.1f%%  x%-8.3g ", 100 * c.error(),
                  c.measured_s / c.predicted_s);
    out << line << c.name;
    if (c.dtype != "fp32") out << "  [" << c.dtype << "]";  // the fp32 twin has the same name
    out << "\n";
  }
}

nlohmann::json validation_to_json(const ValidationSummary& s) {
  auto one = [](const ValidationStats& v) {
    auto num = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(); };
    return nlohmann::json{{"family", v.family},
                          {"cases", v.cases},
                          {"median_abs_error", num(v.median_error)},
                          {"p90_abs_error", num(v.p90_error)},
                          {"median_measured_over_predicted", num(v.median_ratio)},
                          {"cases_with_band", v.with_band},
                          {"fraction_within_band", num(v.within_band)}};
  };
  nlohmann::json j = {{"overall", one(s.overall)},
                      {"families", nlohmann::json::array()},
                      {"without_prediction", s.without_prediction}};
  for (const auto& f : s.families) j["families"].push_back(one(f));
  j["cases"] = nlohmann::json::array();
  for (const auto& c : s.cases)
    j["cases"].push_back({{"name", c.name},
                          {"family", c.family},
                          {"dtype", c.dtype},
                          {"measured_s", c.measured_s},
                          {"predicted_s", c.predicted_s},
                          {"abs_error", c.error()}});
  return j;
}

}  // namespace moat::model
