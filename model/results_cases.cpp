#include "model/results_cases.hpp"

#include <fstream>

#include "core/error.hpp"
#include "model/curve_path.hpp"

namespace moat::model {

namespace {

double number_or_zero(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

}  // namespace

DType math_dtype(const nlohmann::json& result_case) {
  return parse_dtype(result_case.value("math", "fp32")).value_or(DType::fp32);
}

std::vector<MeasuredCase> measured_cases(const nlohmann::json& doc) {
  if (!doc.is_object() || doc.value("schema", "") != "moat.results")
    throw Error("not a moat.results document (\"schema\" is missing or different)");
  std::vector<MeasuredCase> out;
  auto cases = doc.find("cases");
  if (cases == doc.end() || !cases->is_array()) return out;
  for (const auto& c : *cases) {
    if (c.value("status", "") != "ok") continue;
    auto summary = c.find("summary");
    if (summary == c.end() || !summary->is_object()) continue;
    MeasuredCase m;
    m.measured_s = number_or_zero(*summary, "median_s");
    if (m.measured_s <= 0) continue;
    m.name = c.value("name", "");
    m.family = c.value("family", "");
    m.variant = c.value("variant", "");
    m.path = curve_path_of_case(c);
    if (auto d = c.find("dtype"); d != c.end() && d->is_string()) m.storage = d->get<std::string>();
    m.dtype = math_dtype(c);
    if (auto w = c.find("work"); w != c.end() && w->is_object()) {
      Cost k;
      k.flops_matrix = number_or_zero(*w, "flops_matrix");
      k.flops_vector = number_or_zero(*w, "flops_vector");
      k.special_ops = number_or_zero(*w, "special_ops");
      k.bytes_dram = number_or_zero(*w, "bytes_dram");
      k.bytes_onchip = number_or_zero(*w, "bytes_onchip");
      k.launches = number_or_zero(*w, "launches");
      m.work = k;
    }
    if (auto p = c.find("prediction"); p != c.end() && p->is_object()) {
      double s = number_or_zero(*p, "seconds");
      if (s > 0) m.predicted_s = s;
      if (auto b = p->find("bound"); b != p->end() && b->is_string())
        m.bound = b->get<std::string>();
      const double lo = number_or_zero(*p, "low_s"), hi = number_or_zero(*p, "high_s");
      if (lo > 0 && hi >= lo) {
        m.low_s = lo;
        m.high_s = hi;
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

nlohmann::json read_results_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw Error("cannot read results '" + path + "'");
  try {
    return nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace moat::model
