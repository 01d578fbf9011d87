#include "kernels/attention/common/head_routing.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/attention/common/flash_cost.hpp"

namespace moat::attention {

Cost router_gemm_cost(double tokens, int hidden, int width, DType dtype, double vector_per_logit,
                      double special_per_logit, double out_bytes_per_token) {
  const double b = bytes_of(dtype);
  Cost c;
  c.flops_matrix = 2.0 * tokens * hidden * width;
  c.flops_vector = tokens * width * vector_per_logit;
  c.special_ops = tokens * width * special_per_logit;
  c.bytes_dram = (tokens * hidden + double(hidden) * width) * b + tokens * out_bytes_per_token;
  c.bytes_onchip = tokens * width * 4.0 * 2;  // logits written, then read by the selection pass
  c.launches = 2;                             // GEMM, selection
  return c;
}

namespace {

// One (batch, head) of flash work over `rows` query rows spread evenly over the sequence.
Cost one_head(const AttentionShape& s, DType dtype, bool causal, int rows) {
  AttentionShape h = s;
  h.batch = h.heads_q = h.heads_kv = 1;
  h.seq_q = rows;
  const int off = s.seq_kv - s.seq_q;
  const double stride = double(s.seq_q) / rows;
  return flash_cost(h, dtype, [=](int c) {
    const int pos = std::min(s.seq_q - 1, int((c + 0.5) * stride));
    return std::pair<int, int>(0, causal ? std::min(s.seq_kv, pos + off + 1) : s.seq_kv);
  });
}

Cost times(Cost c, double n) {
  c.flops_matrix *= n;
  c.flops_vector *= n;
  c.special_ops *= n;
  c.bytes_dram *= n;
  c.bytes_onchip *= n;
  return c;
}

}  // namespace

Cost routed_rows_flash_cost(const AttentionShape& s, DType dtype, bool causal, int full_heads,
                            int routed_heads, double routed_rows) {
  Cost c;
  if (full_heads > 0) c += times(one_head(s, dtype, causal, s.seq_q), double(s.batch) * full_heads);
  const double active = std::min(double(routed_heads), std::max(routed_rows, 0.0));
  if (active >= 1) {
    const int rows = std::min(s.seq_q, int(std::ceil(routed_rows / active)));
    c += times(one_head(s, dtype, causal, rows), double(s.batch) * active);
  }
  // Each head above counted its KV head's K and V as compulsory: keep one read per KV head.
  const double kv = double(s.seq_kv) * (s.head_dim + s.value_dim) * bytes_of(dtype);
  const double counted = double(s.batch) * (full_heads + active) * kv;
  const double needed = double(s.batch) * s.heads_kv * kv;
  if (counted > needed) {
    c.bytes_dram -= counted - needed;
    c.bytes_onchip += counted - needed;
  }
  c.launches = 1;
  return c;
}

}  // namespace moat::attention
