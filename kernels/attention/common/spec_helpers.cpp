#include "kernels/attention/common/spec_helpers.hpp"

#include <algorithm>

namespace moat::attention {

ShapeValues with(ShapeValues base, const ShapeValues& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

std::vector<ShapeValues> edge_shapes(const ShapeValues& extra) {
  std::vector<ShapeValues> base = {
      {{"seq_q", 1}, {"seq_kv", 1}, {"heads_q", 1}, {"heads_kv", 1}, {"head_dim", 8}},
      {{"seq_q", 1}, {"seq_kv", 77}, {"heads_q", 4}, {"heads_kv", 1}},
      {{"seq_q", 45}, {"seq_kv", 45}, {"heads_q", 6}, {"heads_kv", 2}, {"head_dim", 24}},
      {{"seq_q", 70}, {"seq_kv", 130}, {"heads_q", 4}, {"heads_kv", 4}, {"head_dim", 16},
       {"value_dim", 8}},
      {{"batch", 2}, {"seq_q", 97}, {"seq_kv", 97}, {"heads_q", 4}, {"heads_kv", 2},
       {"head_dim", 32}},
      {{"seq_q", 200}, {"seq_kv", 200}, {"heads_q", 3}, {"heads_kv", 3}, {"head_dim", 64},
       {"value_dim", 72}},
  };
  for (auto& b : base) b = with(b, extra);
  return base;
}

double computed_pairs(const AttentionShape& s, const KeyRange& range) {
  double pairs = 0;
  for (int i = 0; i < s.seq_q; ++i) {
    auto [b, e] = range(i);
    b = std::clamp(b, 0, s.seq_kv);
    e = std::clamp(e, 0, s.seq_kv);
    if (e <= b) continue;
    const int t0 = b / kKeyTile, t1 = (e + kKeyTile - 1) / kKeyTile;
    pairs += std::min(t1 * kKeyTile, s.seq_kv) - t0 * kKeyTile;
  }
  return pairs * s.batch * s.heads_q;
}

Cost flash_cost_with_score_ops(const AttentionShape& s, DType dtype, const KeyRange& range,
                               double vector_per_score, double special_per_score) {
  Cost c = flash_cost(s, dtype, range);
  const double pairs = computed_pairs(s, range);
  c.flops_vector += vector_per_score * pairs;
  c.special_ops += special_per_score * pairs;
  return c;
}

}  // namespace moat::attention
