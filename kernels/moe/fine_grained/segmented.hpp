#pragma once
// The fine-grained layer's effective shape (experts x m, ffn / m, top_k x m), shared by its spec
// and kernel.
#include "kernels/moe/common/layer_config.hpp"

namespace moat::variants::moe_fine_grained {

inline moe::LayerConfig segmented_config(const Params& p) {
  moe::LayerConfig cfg = moe::layer_config(p);
  const int m = int(p.i("segments"));
  cfg.shape.experts *= m;
  cfg.shape.ffn /= m;
  cfg.shape.top_k *= m;
  return cfg;
}

}  // namespace moat::variants::moe_fine_grained
