#include "reports/output_file.hpp"

#include <iostream>

#include "core/atomic_file.hpp"

namespace moat::reports {

void write_output(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::cout << text << std::flush;
    return;
  }
  write_file_atomically(path, text);
}

}  // namespace moat::reports
