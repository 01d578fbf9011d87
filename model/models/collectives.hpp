#pragma once
// Communication time of the collectives a parallel plan needs, from a profile's interconnects.
// Standard alpha-beta costs (Thakur, Rabenseifner & Gropp 2005; NCCL's "bus bandwidth" notes):
//  - ring all-reduce of M bytes over n devices: 2(n-1)/n * M / B + 2(n-1) * latency
//  - all-to-all where each device holds M bytes for all n devices: (n-1)/n * M / B + (n-1) * latency
//  - point-to-point of M bytes: M / B + latency
// B is the per-device, per-direction bandwidth of the slowest fabric the group spans: the
// scale-up domain when the group fits in it, else the scale-out network. A full-mesh scale-up
// fabric (AMD Infinity Fabric, Gaudi RoCE mesh) gives a group of n only the links to its n-1
// peers: B * (n-1)/(domain-1).
#include <optional>
#include <string>

#include "model/hardware_profile.hpp"

namespace moat::model {

struct Link {
  double bandwidth = 0;  // bytes/s per device per direction
  double latency_s = 0;
  std::string name;
};

// The fabric a group of `group` consecutive devices communicates over; nullopt if the profile has
// none that reaches that far (e.g. no scale-out network for a group larger than a node).
std::optional<Link> link_for_group(const HardwareProfile& hw, int group);

double ring_allreduce_s(double bytes, int n, const Link& link);
double all_to_all_s(double bytes_per_device, int n, const Link& link);
double point_to_point_s(double bytes, const Link& link);

}  // namespace moat::model
