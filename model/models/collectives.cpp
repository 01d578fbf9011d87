#include "model/models/collectives.hpp"

#include <algorithm>

namespace moat::model {

std::optional<Link> link_for_group(const HardwareProfile& hw, int group) {
  if (group <= 1) return Link{0, 0, "local"};
  const Interconnect* up = hw.scale_up();
  if (up && group <= up->gpus_per_domain) {
    double bw = up->bandwidth_per_direction;
    if (up->topology == "full_mesh" && up->gpus_per_domain > 1)
      bw *= double(group - 1) / double(up->gpus_per_domain - 1);
    return Link{bw, up->latency_s, up->name};
  }
  const Interconnect* out = hw.scale_out();
  if (!out) return std::nullopt;
  // A group spanning domains runs at the slower of the two fabrics.
  double bw = out->bandwidth_per_direction;
  if (up) bw = std::min(bw, up->bandwidth_per_direction);
  return Link{bw, std::max(out->latency_s, up ? up->latency_s : 0.0), out->name};
}

double ring_allreduce_s(double bytes, int n, const Link& link) {
  if (n <= 1 || bytes <= 0) return 0;
  return 2.0 * (n - 1) / n * bytes / link.bandwidth + 2.0 * (n - 1) * link.latency_s;
}

double all_to_all_s(double bytes_per_device, int n, const Link& link) {
  if (n <= 1 || bytes_per_device <= 0) return 0;
  return double(n - 1) / n * bytes_per_device / link.bandwidth + double(n - 1) * link.latency_s;
}

double point_to_point_s(double bytes, const Link& link) {
  if (bytes <= 0 || link.bandwidth <= 0) return 0;
  return bytes / link.bandwidth + link.latency_s;
}

}  // namespace moat::model
