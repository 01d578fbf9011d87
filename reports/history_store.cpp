#include "reports/history_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "reports/json_input.hpp"
#include "reports/stats_descriptive.hpp"

namespace moat::reports {

namespace {

std::string slug(const std::string& text) {
  std::string out;
  for (char ch : text) {
    const bool keep = std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-';
    if (keep)
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "unknown" : out;
}

std::uint32_t fnv1a(const std::string& text) {
  std::uint32_t h = 2166136261u;
  for (unsigned char ch : text) h = (h ^ ch) * 16777619u;
  return h;
}

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

HistoryPoint parse_point(const nlohmann::json& line, const std::string& where) {
  const JsonNode n(line, where);
  const std::string schema = n.at("schema").string();
  if (schema != kHistorySchema)
    n.at("schema").fail("expected \"" + std::string(kHistorySchema) + "\"");
  if (n.at("schema_version").number() != kHistorySchemaVersion)
    n.at("schema_version")
        .fail("unsupported version (this moat reads " + std::to_string(kHistorySchemaVersion) +
              ")");
  HistoryPoint p;
  p.run_started_at = n.at("run_started_at").string();
  p.git_sha = n.at("git_sha").string();
  if (auto dirty = n.find("git_dirty")) p.git_dirty = dirty->boolean();
  p.case_id = n.at("case_id").string();
  p.median_s = n.at("median_s").number();
  if (!(p.median_s > 0)) n.at("median_s").fail("must be a positive time in seconds");
  p.ci_low_s = n.optional_number("ci_low_s");
  p.ci_high_s = n.optional_number("ci_high_s");
  p.samples = static_cast<std::size_t>(n.at("samples").number());
  p.instructions = n.optional_number("instructions");
  return p;
}

}  // namespace

std::string testbed_key(const RunEnvironment& env) {
  const std::string identity = env.host_cpu + "|" + env.hardware_profile_id + "|" +
                               env.execution_space + "|" + env.build_type + "|" + env.device_name;
  return fmt::format("{}-{}-{}-{:08x}", slug(env.hardware_profile_id), slug(env.execution_space),
                     slug(env.build_type), fnv1a(identity));
}

std::string history_file(const std::string& store_dir, const std::string& testbed) {
  if (testbed.empty() || testbed.find('/') != std::string::npos || testbed.front() == '.')
    throw Error("invalid testbed name '" + testbed + "' (no '/', no leading '.')");
  return (std::filesystem::path(store_dir) / (testbed + ".jsonl")).string();
}

AppendResult append_to_history(const ResultsDocument& doc, const std::string& store_dir,
                               const std::string& testbed) {
  AppendResult result;
  result.file =
      history_file(store_dir, testbed.empty() ? testbed_key(doc.run.environment) : testbed);
  if (doc.status != "complete")
    throw Error(doc.file + ": error: run is incomplete (status " + doc.status +
                "); only complete runs go into the history");
  if (std::filesystem::exists(result.file))
    for (const auto& p : read_history(result.file))
      if (p.run_started_at == doc.run.started_at && p.git_sha == doc.run.git_sha) {
        result.already_recorded = true;
        return result;
      }

  std::string lines;
  for (const auto& c : doc.cases) {
    if (!c.ok()) {
      ++result.not_ok;
      continue;
    }
    const nlohmann::json line = {{"schema", kHistorySchema},
                                 {"schema_version", kHistorySchemaVersion},
                                 {"run_started_at", doc.run.started_at},
                                 {"git_sha", doc.run.git_sha},
                                 {"git_dirty", doc.run.git_dirty},
                                 {"case_id", c.id},
                                 {"median_s", median(c.samples_s)},
                                 {"ci_low_s", optional_json(c.ci_low_s)},
                                 {"ci_high_s", optional_json(c.ci_high_s)},
                                 {"samples", c.samples_s.size()},
                                 {"instructions", optional_json(c.instructions)}};
    lines += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    ++result.appended;
  }
  std::filesystem::create_directories(store_dir);
  // One write of the whole run keeps concurrent appends from interleaving within a line.
  std::ofstream out(result.file, std::ios::app | std::ios::binary);
  if (!out) throw Error(result.file + ": error: cannot open history file for appending");
  out << lines;
  out.flush();
  if (!out) throw Error(result.file + ": error: write failed");
  return result;
}

std::vector<HistoryPoint> read_history(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file + ": error: cannot open history file");
  std::vector<HistoryPoint> points;
  std::string text;
  for (int line_no = 1; std::getline(in, text); ++line_no) {
    if (text.empty()) continue;
    nlohmann::json line;
    try {
      line = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(SourceLocation{file, line_no, static_cast<int>(e.byte)},
                  "invalid JSON line in history file");
    }
    points.push_back(parse_point(line, file + ":" + std::to_string(line_no)));
  }
  return points;
}

std::map<std::string, std::vector<HistoryPoint>> history_by_case(std::vector<HistoryPoint> points) {
  std::stable_sort(points.begin(), points.end(), [](const auto& a, const auto& b) {
    return a.run_started_at < b.run_started_at;  // ISO 8601 UTC strings sort chronologically
  });
  std::map<std::string, std::vector<HistoryPoint>> out;
  for (auto& p : points) out[p.case_id].push_back(std::move(p));
  return out;
}

}  // namespace moat::reports

namespace moat::reports {

std::string resolve_history_file(const std::string& store_dir, const std::string& testbed,
                                 const RunEnvironment* env) {
  if (!std::filesystem::is_directory(store_dir))
    throw Error(store_dir + ": error: history store is not a directory");
  std::vector<std::string> available;
  for (const auto& entry : std::filesystem::directory_iterator(store_dir))
    if (entry.path().extension() == ".jsonl") available.push_back(entry.path().stem().string());
  std::sort(available.begin(), available.end());
  std::string chosen = !testbed.empty() ? testbed : env ? testbed_key(*env) : "";
  if (chosen.empty() && available.size() == 1) chosen = available.front();
  const std::string file = chosen.empty() ? "" : history_file(store_dir, chosen);
  if (!chosen.empty() && std::filesystem::exists(file)) return file;
  std::string list;
  for (const auto& a : available) list += (list.empty() ? "" : ", ") + a;
  throw Error(store_dir + ": error: " +
              (chosen.empty()
                   ? std::string("store holds several testbeds; choose one with --testbed")
                   : "no history for testbed '" + chosen + "'") +
              " (available: " + (list.empty() ? std::string("none") : list) + ")");
}

}  // namespace moat::reports
