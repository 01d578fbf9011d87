// attention.neighborhood_2d — NATTEN 2-D neighborhood attention over a grid_h x grid_w token
// grid (row-major, token t = y * grid_w + x): t attends to u iff u's row is in t's row
// neighbourhood and u's column in t's column neighbourhood (each the 1-D rule of
// common/neighborhood.hpp with kernel_size, dilation, causal). seq_q = seq_kv = grid_h * grid_w.
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/neighborhood.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_neighborhood_2d {

attention::AttentionShape grid_shape(const Params& p) {
  Params q = p;
  const std::int64_t n = p.i("grid_h") * p.i("grid_w");
  q.set("seq_q", n);
  q.set("seq_kv", n);
  return attention::shape_from(q);
}

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.neighborhood_2d";
  v.family = "attention/local";
  v.summary = "2-D neighborhood attention (NATTEN) over an H x W token grid";
  v.reference = "Hassani et al. 2023 (NAT), Hassani & Shi 2022 (DiNAT); SHI-Labs/NATTEN";
  for (auto& ps : attention::shape_schema())
    if (ps.name != "seq_q" && ps.name != "seq_kv") v.params.push_back(ps);
  v.params.push_back(int_param("grid_h", "token grid height", 32, 1, 1 << 14));
  v.params.push_back(int_param("grid_w", "token grid width", 32, 1, 1 << 14));
  v.params.push_back(int_param("kernel_size", "neighbours per axis", 7, 1, 1 << 12));
  v.params.push_back(int_param("dilation", "stride between neighbours", 1, 1, 1 << 12));
  v.params.push_back(bool_param("causal", "causal along both axes", false));
  v.validate = [](const Params& p) {
    attention::validate_shape(p);
    const auto kd = p.i("kernel_size") * p.i("dilation");
    if (kd > p.i("grid_h") || kd > p.i("grid_w"))
      throw Error("kernel_size * dilation must be <= grid_h and grid_w (NATTEN's constraint)");
  };
  v.cost = [](const Params& p, DType dt) {
    auto s = grid_shape(p);
    const int w = int(p.i("grid_w")), k = int(p.i("kernel_size")), d = int(p.i("dilation"));
    attention::Neighborhood1d rows{int(p.i("grid_h")), k, d, p.b("causal")};
    // The kernel reads the key rows spanned by the row neighbourhood: a contiguous range.
    Cost c = attention::flash_cost(s, dt, [=](int i) {
      return std::pair<int, int>(rows.first(i / w) * w, (rows.last(i / w) + 1) * w);
    });
    return c;
  };
  v.test_shapes = {
      {{"grid_h", 1}, {"grid_w", 1}, {"kernel_size", 1}, {"heads_q", 2}, {"heads_kv", 1}},
      {{"grid_h", 9}, {"grid_w", 11}, {"kernel_size", 3}, {"heads_q", 6}, {"heads_kv", 2}},
      {{"grid_h", 14}, {"grid_w", 14}, {"kernel_size", 5}, {"dilation", 2}, {"head_dim", 16}},
      {{"grid_h", 12}, {"grid_w", 20}, {"kernel_size", 3}, {"dilation", 3}, {"causal", true}},
      {{"batch", 2}, {"grid_h", 16}, {"grid_w", 16}, {"kernel_size", 7}, {"causal", true},
       {"heads_q", 2}, {"heads_kv", 2}},
  };
  return v;
}

}  // namespace moat::variants::attention_neighborhood_2d
