#pragma once
// A `moat.procurement` document rendered as a generic table: whatever columns its rankings
// carry, in the order they first appear. {"schema": "moat.procurement", "rankings": [{...}]}
#include <string>
#include <vector>

namespace moat::reports {

struct ProcurementTable {
  std::string file;
  std::string title;  // the document's "title", if any
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // cells as display text ("" when absent)
};

ProcurementTable load_procurement_table(const std::string& path);

}  // namespace moat::reports
