#pragma once
// Kokkos-free helpers that keep attention variant specs short: test-shape sets and the cost of
// per-score extras on top of the flash skeleton's own cost.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "core/cost.hpp"
#include "core/params.hpp"
#include "kernels/attention/common/flash_cost.hpp"

namespace moat::attention {

using ShapeValues = std::map<std::string, ParamValue>;

// The edge shapes every masked-softmax variant should pass: one query token, ragged tiles
// (lengths not multiples of kQueryTile / kKeyTile), GQA groups from 1 to heads_q, batch 2.
// `extra` is merged into each (variant parameters); `overrides` replaces single entries.
std::vector<ShapeValues> edge_shapes(const ShapeValues& extra = {});

// `base` with `extra` merged over it.
ShapeValues with(ShapeValues base, const ShapeValues& extra);

// Number of (row, key) pairs the flash skeleton evaluates for `range` (whole tiles per row):
// what per-score extras (bias, tanh, gates) are charged on.
double computed_pairs(const AttentionShape& s, const KeyRange& range);

// flash_cost plus per-score vector work and special functions (score mods), per computed pair.
Cost flash_cost_with_score_ops(const AttentionShape& s, DType dtype, const KeyRange& range,
                               double vector_per_score, double special_per_score);

}  // namespace moat::attention
