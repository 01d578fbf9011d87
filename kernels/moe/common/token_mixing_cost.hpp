#pragma once
// Kokkos-free cost of the token-mixing routers (kernels/moe/common/token_mixing.hpp), shared by
// the specs of moe.similarity_routing and moe.attention_routing.
#include "core/cost.hpp"
#include "core/dtype.hpp"
#include "kernels/moe/common/shape.hpp"

namespace moat::moe {

// Cost of the mixing beyond the standard layer: features, P, two passes over the token pairs.
inline Cost token_mixing_cost(const MoeShape& s, int d_attn, DType dt) {
  const double t = s.tokens, d = d_attn > 0 ? d_attn : s.hidden, e = s.experts;
  Cost c;
  c.flops_matrix = d_attn > 0 ? 2.0 * 2.0 * t * s.hidden * d_attn : 0.0;
  c.flops_vector = (d_attn > 0 ? 0.0 : 3.0 * t * s.hidden) + 4.0 * t * e +
                   2.0 * 2.0 * t * t * d +  // scores, twice (max pass, weight pass)
                   2.0 * t * t * e + t * e * (1.0 + s.top_k);
  c.special_ops = t * t + t * e;
  const double b = bytes_of(dt);
  c.bytes_dram = (d_attn > 0 ? 2.0 * s.hidden * d_attn * b : 0.0) +
                 t * (s.hidden + (d_attn > 0 ? 2.0 : 1.0) * d + 3.0 * e) * 4.0;
  // every token re-reads all features and P rows (from cache when they fit)
  c.bytes_onchip = 2.0 * t * t * (d + e) * 4.0;
  c.launches = d_attn > 0 ? 4 : 3;
  return c;
}

}  // namespace moat::moe
