#pragma once
// Cost of the flash skeleton for a mask given as a per-row key range [begin(i), end(i)) and the
// exact number of visible (query, key) pairs. Counts the kernel's own tiling: a row computes
// whole key tiles that intersect its range; K/V tiles are re-read once per query tile.
#include <functional>
#include <utility>

#include "core/cost.hpp"
#include "core/dtype.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::attention {

using KeyRange = std::function<std::pair<int, int>(int i)>;  // [begin, end) for query row i

Cost flash_cost(const AttentionShape& s, DType dtype, const KeyRange& range);

// Key ranges of the standard masks.
KeyRange full_range(const AttentionShape& s);
KeyRange causal_range(const AttentionShape& s);  // bottom-right aligned: offset seq_kv - seq_q

}  // namespace moat::attention
