#pragma once
// The results document (docs/results-schema.md), rewritten atomically after every case so a
// killed run leaves a readable file with every finished case.
#include <nlohmann/json.hpp>
#include <string>

namespace moat {

class ResultsWriter {
 public:
  // Starts the document with status "running"; writes it immediately.
  ResultsWriter(std::string path, nlohmann::json run_context);
  void add_case(nlohmann::json record);  // appends and rewrites the file
  void finish();                         // status "complete", finished_at; rewrites
  const nlohmann::json& document() const { return doc_; }
  const std::string& path() const { return path_; }

 private:
  void write() const;
  std::string path_;
  nlohmann::json doc_;
};

}  // namespace moat
