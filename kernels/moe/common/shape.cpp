#include "kernels/moe/common/shape.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace moat::moe {

MoeShape shape_from(const Params& p) {
  MoeShape s;
  s.tokens = int(p.i("tokens"));
  s.hidden = int(p.i("hidden"));
  s.ffn = int(p.i("ffn"));
  s.experts = int(p.i("experts"));
  s.top_k = p.has("top_k") ? int(p.i("top_k")) : 1;  // expert choice has no top_k
  return s;
}

ParamSchema shape_schema() {
  return {
      int_param("tokens", "tokens in the batch (batch x sequence)", 64, 1, 1 << 22),
      int_param("hidden", "model (hidden) dimension", 256, 1, 1 << 16),
      int_param("ffn", "expert FFN intermediate dimension", 512, 1, 1 << 17),
      int_param("experts", "routed experts", 8, 1, 4096),
      int_param("top_k", "experts per token", 2, 1, 4096),
  };
}

void validate_shape(const Params& p) {
  if (p.i("top_k") > p.i("experts"))
    throw Error("top_k (" + std::to_string(p.i("top_k")) + ") exceeds experts (" +
                std::to_string(p.i("experts")) + ")");
}

Cost router_cost(const MoeShape& s, DType dtype) {
  const double b = bytes_of(dtype);
  Cost c;
  c.flops_matrix = 2.0 * s.tokens * s.hidden * s.experts;
  // softmax (max, sub, sum, div) + top-k selection by k passes over the experts
  c.flops_vector = double(s.tokens) * s.experts * (4.0 + s.top_k);
  c.special_ops = double(s.tokens) * s.experts;
  c.bytes_dram = (double(s.tokens) * s.hidden + double(s.hidden) * s.experts) * b +
                 double(s.tokens) * s.top_k * 8.0;  // index + weight per assignment
  c.launches = 1;
  return c;
}

Cost dispatch_combine_cost(const MoeShape& s, DType dtype) {
  const double b = bytes_of(dtype);
  const double a = double(s.assignments());
  Cost c;
  // counts (atomics), offsets (scan over experts), permutation, gather of rows, weighted combine
  c.flops_vector = a * 2.0 * s.hidden + s.experts;
  c.bytes_dram = a * 16.0 +                      // indices/weights/positions read + written
                 a * s.hidden * b * 2.0 +        // gather: read token row, write permuted row
                 a * s.hidden * b +              // combine: read expert outputs
                 double(s.tokens) * s.hidden * b;  // combine: write output
  c.launches = 4;
  return c;
}

Cost expert_ffn_cost(const PipelineCostInput& in) {
  const MoeShape& s = in.shape;
  const double b = bytes_of(in.dtype);
  const double a = double(s.assignments());
  const double up_mats = in.gated ? 2.0 : 1.0;
  const double touched =
      in.experts_touched > 0 ? in.experts_touched : std::min<double>(s.experts, a);
  // Row tiles: each expert's rows split into tiles of kRowTile; every tile streams the expert's
  // weights once (from cache after the first, when they fit).
  const double tiles = std::max(touched, std::ceil(a / kRowTile));
  const double weights_per_expert = (up_mats + 1.0) * s.hidden * double(s.ffn) * b;
  Cost c;
  c.flops_matrix = 2.0 * a * s.hidden * s.ffn * (up_mats + 1.0);
  c.flops_vector = a * s.ffn * (in.gated ? 4.0 : 3.0);  // activation (+ gate product)
  c.special_ops = a * s.ffn;                              // exp in SiLU/GELU
  c.bytes_dram = touched * weights_per_expert +
                 a * (s.hidden * 2.0 + s.ffn * 2.0) * b;  // rows in/out + intermediate in/out
  c.bytes_onchip = std::max(0.0, tiles - touched) * weights_per_expert;
  c.launches = 2;
  return c;
}

Cost pipeline_cost(const PipelineCostInput& in) {
  return router_cost(in.shape, in.dtype) + dispatch_combine_cost(in.shape, in.dtype) +
         expert_ffn_cost(in);
}

}  // namespace moat::moe
