// attention.moh — Mixture-of-Head attention (Jin et al. 2024, "MoH: Multi-Head Attention as
// Mixture-of-Head Attention"). Of the heads_q heads the first `shared_heads` are always on; the
// other h_r = heads_q - shared_heads are routed, top_k per token. With x_t the token's router
// input (hidden wide) and H^h_t the softmax attention of head h (as attention.dense, GQA by
// heads_kv, optional bottom-right causal mask):
//   O[b,h,t,:] = g_{t,h} H^h_t,   [a1, a2] = softmax(x_t W_h)            (two-stage weights)
//   g_{t,h} = a1 softmax(x_t W_s)_h                  for shared h
//   g_{t,h} = a2 softmax(x_t W_r)_h  if h in top_k(softmax(x_t W_r)), else 0   (not renormalized)
// Top-k ties go to the lower head. The kernel stops before the output projection: the layer's
// output is sum_h O[b,h,t,:] W_O^h, a dense GEMM outside it (rows with g = 0 contribute nothing).
// Only selected (token, head) rows are computed: per (batch, head) the selected tokens are
// compacted in token order, attention runs over the compact rows (tiles with no selected row are
// skipped) and the gate is applied in the flash skeleton's finish hook; then rows are scattered
// back to token order (zeros for unselected heads). The cost model assumes a balanced router.
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/head_routing.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_moh {

namespace {

void validate(const Params& p) {
  attention::validate_shape(p);
  const auto heads = p.i("heads_q"), shared = p.i("shared_heads"), k = p.i("top_k");
  if (shared >= heads)
    throw Error("shared_heads (" + std::to_string(shared) + ") must leave at least one routed head of heads_q (" +
                std::to_string(heads) + ")");
  if (k > heads - shared)
    throw Error("top_k (" + std::to_string(k) + ") exceeds the routed heads (heads_q - shared_heads = " +
                std::to_string(heads - shared) + ")");
}

Cost cost(const Params& p, DType dt) {
  const auto s = attention::shape_from(p);
  const int shared = int(p.i("shared_heads")), routed = s.heads_q - shared, k = int(p.i("top_k"));
  const int hidden = int(p.i("hidden"));
  const double tokens = double(s.batch) * s.seq_q, b = bytes_of(dt);
  // Routed logits: softmax (4 flops, 1 exp) + k selection passes; idx + weight written.
  Cost c = attention::router_gemm_cost(tokens, hidden, routed, dt, 4.0 + k, 1.0, k * 8.0);
  // Shared + stage logits: two softmaxes, gates written.
  c += attention::router_gemm_cost(tokens, hidden, shared + 2, dt, 5.0, 1.0, (shared + 1) * 4.0);
  c.launches -= 1;  // the stage gates are one launch with the second GEMM's selection pass
  const double rows_run = tokens * (shared + k);  // compact (token, head) rows
  Cost compact;
  compact.flops_vector = double(s.batch) * s.heads_q * s.seq_q;                // one test each
  compact.bytes_dram = double(s.batch) * s.heads_q * s.seq_q * 12.0 +          // pos, gate, slot
                       rows_run * s.head_dim * b * 2.0 +                      // gather Q rows
                       rows_run * s.value_dim * b +                           // scatter: read
                       double(s.o_elems()) * b;                               // write O
  compact.launches = 3;  // compaction, gather, scatter
  c += compact;
  Cost flash = attention::routed_rows_flash_cost(s, dt, p.b("causal"), shared, routed,
                                                 double(s.seq_q) * k);
  flash.flops_vector += rows_run * s.value_dim;  // the gate in the epilogue
  return c + flash;
}

}  // namespace

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.moh";
  v.family = "attention/head-routing";
  v.summary = "mixture-of-head attention: shared heads always on, routed heads top-k per token, "
              "outputs weighted by two-stage router gates; only selected rows computed";
  v.reference = "Jin et al. 2024, MoH: Multi-Head Attention as Mixture-of-Head Attention (arXiv:2410.11842)";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("shared_heads", "always-on heads (the first ones)", 2, 1, 1023));
  v.params.push_back(int_param("top_k", "routed heads chosen per token", 2, 1, 1023));
  v.params.push_back(int_param("hidden", "router input (model) dimension", 256, 1, 1 << 16));
  v.params.push_back(bool_param("causal", "mask keys after the query position", true));
  v.validate = validate;
  v.cost = cost;
  using attention::with;
  const attention::ShapeValues small = {{"hidden", 24}};
  v.test_shapes = {
      // one token, k = 1
      with(small, {{"seq_q", 1}, {"seq_kv", 1}, {"heads_q", 2}, {"heads_kv", 1}, {"head_dim", 8},
                   {"shared_heads", 1}, {"top_k", 1}}),
      // decode over a cache, k = all routed heads, MQA
      with(small, {{"seq_q", 1}, {"seq_kv", 77}, {"heads_q", 4}, {"heads_kv", 1},
                   {"shared_heads", 1}, {"top_k", 3}}),
      // ragged tiles, GQA, k = 1
      with(small, {{"seq_q", 45}, {"seq_kv", 45}, {"heads_q", 6}, {"heads_kv", 2},
                   {"head_dim", 24}, {"shared_heads", 2}, {"top_k", 1}}),
      // non-causal cross-length, value_dim != head_dim
      with(small, {{"seq_q", 70}, {"seq_kv", 130}, {"heads_q", 8}, {"heads_kv", 8},
                   {"head_dim", 16}, {"value_dim", 8}, {"shared_heads", 2}, {"top_k", 3},
                   {"causal", false}}),
      // batch 2, several query tiles per head (some with no selected row)
      with(small, {{"batch", 2}, {"seq_q", 130}, {"seq_kv", 130}, {"heads_q", 12},
                   {"heads_kv", 4}, {"head_dim", 32}, {"shared_heads", 4}, {"top_k", 2}}),
      // seq_q > seq_kv causal: the first rows see no key
      with(small, {{"seq_q", 64}, {"seq_kv", 16}, {"heads_q", 4}, {"heads_kv", 2},
                   {"head_dim", 8}, {"shared_heads", 1}, {"top_k", 2}}),
  };
  return v;
}

}  // namespace moat::variants::attention_moh
