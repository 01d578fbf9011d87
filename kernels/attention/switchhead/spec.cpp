// attention.switchhead — SwitchHead (Csordas, Piekos, Irie, Schmidhuber 2023, "SwitchHead:
// Accelerating Transformers with Mixture-of-Experts Attention"): per head h, E expert value and
// output projections chosen by sigmoid top-k routers; the attention matrix is computed once per
// head. With x_j the layer input of token j (hidden wide), MHA (no KV sharing):
//   source side, per key token j:   s_j = sigmoid(x_j W_S^h) in R^E,  S_j = top_k(s_j)
//     V^h_j = sum_{e in S_j} s_j[e] x_j W_V^{h,e}                      (hidden -> value_dim)
//   A^h_i = sum_j softmax_j(q^h_i . k^h_j / sqrt(head_dim) over visible j) V^h_j
//   destination side, per query token i:  d_i = sigmoid(x_i W_D^h),  D_i = top_k(d_i)
//     y_i = sum_h sum_{e in D_i} d_i[e] A^h_i W_O^{h,e}                 (value_dim -> hidden)
// Top-k ties go to the lower expert; weights are the sigmoid scores, not renormalized. Query
// token i is position i + seq_kv - seq_q (bottom-right causal, self-attention: x_i is that row).
// Simplifications: Q and K are inputs (SwitchHead keeps them as ordinary dense projections);
// the paper's expert dropout and router regularization are training-only and left out.
// Kernel: source router GEMM + per-(token, head) selection -> moe::dispatch over heads x E
// experts -> grouped GEMM (value experts) -> per-head combine into V -> flash attention ->
// destination router -> dispatch of the (head, token) attention rows -> grouped GEMM (output
// experts) -> combine summed over heads.
#include <algorithm>

#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/flash_cost.hpp"
#include "kernels/attention/common/head_routing.hpp"
#include "kernels/attention/common/spec_helpers.hpp"
#include "kernels/attention/switchhead/shape.hpp"

namespace moat::variants::attention_switchhead {

namespace {

void validate(const Params& p) {
  if (p.i("top_k") > p.i("experts"))
    throw Error("top_k (" + std::to_string(p.i("top_k")) + ") exceeds experts (" +
                std::to_string(p.i("experts")) + ")");
  if (p.i("seq_q") > p.i("seq_kv"))
    throw Error("seq_q (" + std::to_string(p.i("seq_q")) + ") exceeds seq_kv (" +
                std::to_string(p.i("seq_kv")) + "): query tokens are the last seq_q of the sequence");
}

// One expert projection stage: `rows` (token, head) rows of width in_dim through k experts each
// (dispatch, grouped GEMM, combine into `out_elems` outputs).
Cost expert_stage(double rows, int k, int experts_total, int in_dim, int out_dim,
                  double out_elems, DType dt) {
  const double b = bytes_of(dt), a = rows * k;
  Cost c;
  c.flops_matrix = 2.0 * a * in_dim * out_dim;
  c.flops_vector = 2.0 * a * out_dim;  // weighted combine
  c.bytes_dram = a * 16.0 +                                               // idx/w/position
                 a * in_dim * b * 2.0 +                                   // gather
                 std::min(double(experts_total), a) * in_dim * out_dim * b +  // expert weights
                 a * out_dim * b * 2.0 +                                  // expert rows out, in
                 out_elems * b;                                           // combined output
  c.launches = 6;  // count, offsets, place, gather, grouped GEMM, combine
  return c;
}

Cost cost(const Params& p, DType dt) {
  const auto s = shape_of(p);
  const int hidden = int(p.i("hidden")), e = int(p.i("experts")), k = int(p.i("top_k"));
  const double src = double(s.batch) * s.seq_kv, dst = double(s.batch) * s.seq_q;
  const int he = s.heads_q * e;
  Cost c = attention::router_gemm_cost(src, hidden, he, dt, k, 0, s.heads_q * k * 8.0);
  c += attention::router_gemm_cost(dst, hidden, he, dt, k, 0, s.heads_q * k * 8.0);
  c.special_ops += (src + dst) * s.heads_q * k;  // sigmoid of the chosen logits
  c += expert_stage(src * s.heads_q, k, he, hidden, s.value_dim, double(s.v_elems()), dt);
  c += attention::flash_cost(s, dt, p.b("causal") ? attention::causal_range(s)
                                                  : attention::full_range(s));
  c += expert_stage(dst * s.heads_q, k, he, s.value_dim, hidden, dst * hidden, dt);
  return c;
}

}  // namespace

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.switchhead";
  v.family = "attention/head-routing";
  v.summary = "SwitchHead: per-head expert value and output projections chosen by sigmoid top-k "
              "routers (moe dispatch + grouped GEMM), one attention matrix per head";
  v.reference = "Csordas et al. 2023, SwitchHead: Accelerating Transformers with Mixture-of-Experts Attention (arXiv:2312.07987)";
  v.params = schema();
  v.validate = validate;
  v.cost = cost;
  using attention::with;
  const attention::ShapeValues small = {{"hidden", 24}, {"experts", 4}};
  v.test_shapes = {
      // one token, k = 1, one head
      with(small, {{"seq_q", 1}, {"seq_kv", 1}, {"heads_q", 1}, {"head_dim", 8},
                   {"value_dim", 8}, {"top_k", 1}}),
      // decode over a cache, k = all experts
      with(small, {{"seq_q", 1}, {"seq_kv", 77}, {"heads_q", 2}, {"head_dim", 16},
                   {"value_dim", 12}, {"top_k", 4}}),
      // ragged tiles, k = 2
      with(small, {{"seq_q", 45}, {"seq_kv", 45}, {"heads_q", 3}, {"head_dim", 24},
                   {"value_dim", 16}, {"top_k", 2}}),
      // batch 2, non-causal, cross lengths, many experts
      with(small, {{"batch", 2}, {"seq_q", 70}, {"seq_kv", 130}, {"heads_q", 2},
                   {"head_dim", 16}, {"value_dim", 8}, {"experts", 9}, {"top_k", 3},
                   {"causal", false}}),
      // several query and key tiles, k = 1 of 8
      with(small, {{"seq_q", 100}, {"seq_kv", 150}, {"heads_q", 4}, {"head_dim", 32},
                   {"value_dim", 32}, {"hidden", 40}, {"experts", 8}, {"top_k", 1}}),
  };
  return v;
}

}  // namespace moat::variants::attention_switchhead
