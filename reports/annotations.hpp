#pragma once
// Acknowledged performance changes. A change point matching an entry is reported as accepted,
// not as a regression. TOML file:
//
//   [[accepted]]
//   case = "attention.dense?batch=1,...|fp32|moat|Serial|warm"   # exact case id, or "*"
//   commit = "0123abc"     # git sha (or a prefix of at least 7 digits) of the first run after it
//   reason = "switched to 64x64 tiles: 8% slower, 40% less scratch memory"
#include <string>
#include <vector>

namespace moat::reports {

struct AcceptedChange {
  std::string case_id;  // "*" matches every case
  std::string commit;
  std::string reason;
};

struct Annotations {
  std::vector<AcceptedChange> accepted;
  // The entry acknowledging a change of `case_id` first seen at `git_sha`, or nullptr.
  const AcceptedChange* find(const std::string& case_id, const std::string& git_sha) const;
};

// Throws moat::Error with file:line:col on syntax errors, unknown keys or missing fields.
Annotations load_annotations(const std::string& path);

}  // namespace moat::reports
