#pragma once
// Paths into the repository for tests that read its profiles, presets and scenarios.
#include <string>

namespace moat::model::test {

inline std::string repo(const std::string& relative) {
  return std::string(MOAT_SOURCE_DIR) + "/" + relative;
}
inline std::string hardware(const std::string& id) { return repo("model/hardware/" + id + ".toml"); }
inline std::string preset(const std::string& id) { return repo("model/presets/" + id + ".toml"); }

}  // namespace moat::model::test
