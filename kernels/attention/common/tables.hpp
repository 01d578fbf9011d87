#pragma once
// Small per-head tables (slopes, biases, sink logits) that policies read on the device: built on
// the host, copied once, and kept as host copies for the oracle.
#include <string>
#include <vector>

#include "kernels/common/views.hpp"

namespace moat::attention {

inline View1<const float> to_device(const std::vector<float>& host, const std::string& label) {
  View1<float> d(label, host.size());
  upload(d, host);
  return d;
}

}  // namespace moat::attention
