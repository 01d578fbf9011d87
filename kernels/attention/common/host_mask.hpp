#pragma once
// Host-side mask for the oracle built from a policy's visible(): for masks that are pure index
// arithmetic the policy's visible() *is* the definition (the kernel's tile skipping through
// key_begin/key_end is what the oracle then checks). Policies holding device views must not
// use this; they write their host mask from host copies instead.
#include "kernels/attention/common/softmax_instance.hpp"

namespace moat::attention {

template <class Policy>
HostMask host_mask_of(const Policy& p) {
  HostMask m;
  m.visible = [p](int b, int h, int i, int j) { return p.visible(b, h, i, j); };
  return m;
}

}  // namespace moat::attention
