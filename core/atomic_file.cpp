#include "core/atomic_file.hpp"

#include <filesystem>
#include <fstream>

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

}  // namespace moat
