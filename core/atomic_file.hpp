#pragma once
// Replacing a file atomically: the text goes to PATH.tmp, then a rename, so a reader (or a run
// killed half-way) never sees half a file. Creates missing parent folders. Throws moat::Error.
#include <string>

namespace moat {

void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace moat
