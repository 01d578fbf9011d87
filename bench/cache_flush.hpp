#pragma once
// Cold-cache timing: before each timed execution, write a buffer larger than the last-level
// cache (host) or L2 (device) so the kernel's inputs are evicted.
#include "kernels/common/views.hpp"

namespace moat {

class CacheFlusher {
 public:
  explicit CacheFlusher(bool enabled);
  void flush();

 private:
  View1<float> buffer_;
  float value_ = 0.f;
};

}  // namespace moat
