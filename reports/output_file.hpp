#pragma once
// Writing report outputs: "-" is stdout; files are replaced atomically (PATH.tmp, then rename)
// so a reader never sees half a report.
#include <string>

namespace moat::reports {

void write_output(const std::string& path, const std::string& text);

}  // namespace moat::reports
