#include "reports/environment_diff.hpp"

namespace moat::reports {

std::vector<FieldDifference> environment_differences(const RunEnvironment& base,
                                                     const RunEnvironment& head) {
  const std::pair<const char*, std::string RunEnvironment::*> fields[] = {
      {"run.host.cpu", &RunEnvironment::host_cpu},
      {"run.hardware_profile.id", &RunEnvironment::hardware_profile_id},
      {"run.kokkos.execution_space", &RunEnvironment::execution_space},
      {"run.build.type", &RunEnvironment::build_type},
      {"run.device.name", &RunEnvironment::device_name},
  };
  std::vector<FieldDifference> out;
  for (const auto& [name, member] : fields)
    if (base.*member != head.*member) out.push_back({name, base.*member, head.*member});
  return out;
}

std::string describe_differences(const std::vector<FieldDifference>& diffs) {
  auto shown = [](const std::string& v) {
    return v.empty() ? std::string("(none)") : "'" + v + "'";
  };
  std::string text;
  for (const auto& d : diffs)
    text += "  " + d.field + ": base " + shown(d.base) + " vs head " + shown(d.head) + "\n";
  return text;
}

}  // namespace moat::reports
