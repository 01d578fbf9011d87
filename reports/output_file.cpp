#include "reports/output_file.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/error.hpp"

namespace moat::reports {

void write_output(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::cout << text << std::flush;
    return;
  }
  const std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path + ": error: cannot open for writing");
    out << text;
    out.flush();
    if (!out) throw Error(path + ": error: write failed");
  }
  std::filesystem::rename(tmp, target);
}

}  // namespace moat::reports
