#pragma once
// Kokkos-free half of the normalizer family (normalizer_skeleton.hpp): shared schema entries,
// test shapes and the cost of the skeleton's own tiling.
#include <vector>

#include "core/cost.hpp"
#include "core/dtype.hpp"
#include "core/params.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::attention {

// What a normalizer adds per evaluated score, and how the skeleton runs it.
struct NormalizerCostTerms {
  double vector_per_score = 0;   // elementwise FLOPs of weight() (+ mass() when summed)
  double special_per_score = 0;  // exp/log evaluations per score and pass-2 weight
  bool running_max = false;      // one rescale of (o, l) per (row, key tile): dv + 2 FLOPs, 1 exp
  bool two_pass = false;         // scores computed twice (stats pass, weight pass)
};

// Per (row, key) pairs: every row of a query tile evaluates whole key tiles of [0, key_end of
// the tile's last row). FLOPs: 2 d per score and pass, 2 dv per weight (PV). Bytes: Q, O, K, V
// once from DRAM; K re-staged per query tile and pass, V per query tile (on-chip re-reads).
Cost normalizer_cost(const AttentionShape& s, DType dtype, bool causal,
                     const NormalizerCostTerms& terms);

// Shape schema + `causal` (default true: decoder attention).
ParamSchema normalizer_schema();

// edge_shapes(extra) for causal and non-causal, plus a causal seq_q > seq_kv shape whose first
// rows see no key (fully masked rows).
std::vector<ShapeValues> normalizer_test_shapes(const ShapeValues& extra = {});

}  // namespace moat::attention
