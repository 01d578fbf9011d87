#include "kernels/attention/common/normalizer_spec.hpp"

#include <algorithm>

namespace moat::attention {

Cost normalizer_cost(const AttentionShape& s, DType dtype, bool causal,
                     const NormalizerCostTerms& t) {
  const double heads = double(s.batch) * s.heads_q;
  const int offset = s.seq_kv - s.seq_q;
  double pairs = 0, row_tiles = 0, staged_keys = 0;
  for (int q0 = 0; q0 < s.seq_q; q0 += kQueryTile) {
    const int rows = std::min(kQueryTile, s.seq_q - q0);
    const int last = q0 + rows - 1;
    const int hi = causal ? std::clamp(last + offset + 1, 0, s.seq_kv) : s.seq_kv;
    const int tiles = (hi + kKeyTile - 1) / kKeyTile;
    pairs += double(rows) * std::min(tiles * kKeyTile, s.seq_kv);  // whole tiles, all rows
    row_tiles += double(rows) * tiles;
    staged_keys += std::min(tiles * kKeyTile, s.seq_kv);
  }
  const double passes = t.two_pass ? 2 : 1;
  const double bytes = bytes_of(dtype);
  Cost c;
  c.flops_matrix = 2.0 * heads * pairs * (passes * s.head_dim + s.value_dim);
  c.flops_vector = heads * pairs * t.vector_per_score;
  c.special_ops = heads * pairs * t.special_per_score;
  if (t.running_max) {
    c.flops_vector += heads * row_tiles * passes * (s.value_dim + 2);
    c.special_ops += heads * row_tiles * passes;
  }
  const double compulsory = double(s.q_elems() + s.o_elems() + s.k_elems() + s.v_elems()) * bytes;
  const double staged = heads * staged_keys * (passes * s.head_dim + s.value_dim) * bytes;
  c.bytes_dram = compulsory;
  c.bytes_onchip = std::max(0.0, staged - double(s.k_elems() + s.v_elems()) * bytes);
  c.launches = 1;
  return c;
}

ParamSchema normalizer_schema() {
  ParamSchema p = shape_schema();
  p.push_back(bool_param("causal", "mask keys after the query position", true));
  return p;
}

std::vector<ShapeValues> normalizer_test_shapes(const ShapeValues& extra) {
  std::vector<ShapeValues> out;
  for (bool causal : {true, false})
    for (auto& sh : edge_shapes(with(extra, {{"causal", causal}}))) out.push_back(sh);
  out.push_back(with({{"seq_q", 64}, {"seq_kv", 16}, {"heads_q", 2}, {"heads_kv", 1},
                      {"head_dim", 8}, {"causal", true}},
                     extra));
  return out;
}

}  // namespace moat::attention
