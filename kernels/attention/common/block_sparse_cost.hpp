#pragma once
// Cost of the block-sparse skeleton (Kokkos-free): the tile-list merge plus flash attention over
// the selected blocks only, for the kernel's own tiling (32-row query tiles, 64-key tiles), and
// the pooled-gate selector (MoBA, SeerAttention, BiFormer).
//
// Which blocks a list holds depends on the data; the count does not. The model charges each row
// the tiles of its forced block(s) plus the expected share of candidate tiles that the union of
// its query tile's lists touches, assuming each list picks its blocks uniformly and
// independently: touched = 1 - (1 - picks / candidates)^lists. With every block selected this is
// exactly the dense (causal) flash cost; correlated selections (real models) touch fewer tiles.
#include "core/cost.hpp"
#include "core/dtype.hpp"
#include "core/params.hpp"
#include "kernels/attention/common/block_sparse_geometry.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::attention {

Cost block_sparse_attention_cost(const AttentionShape& s, DType dtype, const BlockGeometry& g,
                                 int top_k);

// Pool K per block (+ projection to gate_dim), pool Q per group when group > 1 (+ projection),
// one dot product of length gate_dim (or head_dim) per (list, candidate), top-k insertion.
Cost pooled_gate_cost(const AttentionShape& s, DType dtype, const BlockGeometry& g, int top_k,
                      int gate_dim);

// Schema entries and checks shared by the block-sparse variants.
ParamSpec block_param(std::int64_t dflt);
ParamSpec top_k_param(std::int64_t dflt);
// seq_q <= seq_kv, top_k <= kMaxTopK (64), plus validate_shape.
void validate_block_sparse(const Params& p);

}  // namespace moat::attention
