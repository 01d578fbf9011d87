#include "bench/results_writer.hpp"

#include <filesystem>
#include <fstream>

#include "bench/run_context.hpp"
#include "core/error.hpp"

namespace moat {

void write_file_atomically(const std::string& path, const std::string& text) {
  std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Error("cannot write '" + tmp + "'");
    f << text;
    f.flush();
    if (!f) throw Error("failed writing '" + tmp + "' (disk full?)");
  }
  std::filesystem::rename(tmp, target);
}

ResultsWriter::ResultsWriter(std::string path, nlohmann::json run_context) : path_(std::move(path)) {
  doc_ = {{"schema", "moat.results"},
          {"schema_version", 1},
          {"status", "running"},
          {"run", std::move(run_context)},
          {"cases", nlohmann::json::array()}};
  doc_["run"]["started_at"] = utc_now_iso8601();
  doc_["run"]["finished_at"] = nullptr;
  write();
}

void ResultsWriter::add_case(nlohmann::json record) {
  doc_["cases"].push_back(std::move(record));
  write();
}

void ResultsWriter::finish() {
  doc_["status"] = "complete";
  doc_["run"]["finished_at"] = utc_now_iso8601();
  write();
}

void ResultsWriter::write() const { write_file_atomically(path_, doc_.dump(1) + "\n"); }

}  // namespace moat
