#pragma once
// Kokkos-free cost pieces shared by the head-routing variants (attention.moh,
// attention.switchhead): router GEMMs over tokens and flash work over a subset of query rows.
#include "core/cost.hpp"
#include "core/dtype.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::attention {

// logits [tokens][width] = x [tokens][hidden] W [hidden][width], plus a per-logit selection pass
// (`vector_per_logit` flops, `special_per_logit` exp/sigmoid) and `out_bytes_per_token` written.
Cost router_gemm_cost(double tokens, int hidden, int width, DType dtype, double vector_per_logit,
                      double special_per_logit, double out_bytes_per_token);

// Flash work when `full_heads` query heads run every one of the seq_q rows and the other
// `routed_heads` run `routed_rows` rows per sequence in total (MoH: seq_q x top_k), spread as
// evenly as possible over the routed heads and, within a head, evenly over the sequence (the
// balanced-router assumption: real per-head loads vary with the router). K and V are counted
// once per KV head in DRAM; every query tile of every head re-stages them (on-chip).
Cost routed_rows_flash_cost(const AttentionShape& s, DType dtype, bool causal, int full_heads,
                            int routed_heads, double routed_rows);

}  // namespace moat::attention
