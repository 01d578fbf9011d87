// attention.neighborhood_1d — NATTEN 1-D neighborhood attention: each token attends to
// kernel_size neighbours in its dilation group, window centred and clamped at the borders
// (causal: the kernel_size members ending at the token). seq_q = seq_kv; kernel_size *
// dilation <= seq. See common/neighborhood.hpp for the exact index rule.
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/neighborhood.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_neighborhood_1d {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.neighborhood_1d";
  v.family = "attention/local";
  v.summary = "1-D neighborhood attention (NATTEN): kernel_size neighbours, dilation, optional causal";
  v.reference = "Hassani et al. 2023 (NAT), Hassani & Shi 2022 (DiNAT); SHI-Labs/NATTEN";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("kernel_size", "neighbours per token", 7, 1, 1 << 16));
  v.params.push_back(int_param("dilation", "stride between neighbours", 1, 1, 1 << 16));
  v.params.push_back(bool_param("causal", "only the neighbours up to the token", false));
  v.validate = [](const Params& p) {
    attention::validate_shape(p);
    if (p.i("seq_q") != p.i("seq_kv")) throw Error("neighborhood attention needs seq_q == seq_kv");
    if (p.i("kernel_size") * p.i("dilation") > p.i("seq_kv"))
      throw Error("kernel_size * dilation must be <= seq (NATTEN's constraint)");
  };
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    attention::Neighborhood1d nb{s.seq_kv, int(p.i("kernel_size")), int(p.i("dilation")), p.b("causal")};
    return attention::flash_cost(s, dt, [=](int i) {
      return std::pair<int, int>(nb.first(i), nb.last(i) + 1);
    });
  };
  v.test_shapes = {
      {{"seq_q", 1}, {"seq_kv", 1}, {"kernel_size", 1}, {"heads_q", 2}, {"heads_kv", 1}},
      {{"seq_q", 45}, {"seq_kv", 45}, {"kernel_size", 7}, {"heads_q", 6}, {"heads_kv", 2}},
      {{"seq_q", 130}, {"seq_kv", 130}, {"kernel_size", 9}, {"dilation", 4}, {"head_dim", 16}},
      {{"seq_q", 130}, {"seq_kv", 130}, {"kernel_size", 5}, {"dilation", 3}, {"causal", true}},
      {{"batch", 2}, {"seq_q", 200}, {"seq_kv", 200}, {"kernel_size", 65}, {"heads_q", 2},
       {"heads_kv", 2}, {"causal", true}},
      {{"seq_q", 20}, {"seq_kv", 20}, {"kernel_size", 4}, {"dilation", 5}},  // k * d == n
  };
  return v;
}

}  // namespace moat::variants::attention_neighborhood_1d
