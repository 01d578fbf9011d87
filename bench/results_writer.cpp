#include "bench/results_writer.hpp"

#include "bench/run_context.hpp"
#include "core/atomic_file.hpp"

namespace moat {

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
