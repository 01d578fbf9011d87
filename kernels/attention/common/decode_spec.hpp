#pragma once
// Kokkos-free pieces shared by the decode variants' specs: schema defaults for a decode step,
// validation of the skeleton's limits, and test shapes.
#include <vector>

#include "core/params.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::attention {

// Query tokens per step the decode skeleton takes (speculative / multi-token decode), and query
// rows one team holds (group * seq_q): both bound the team's scratch.
inline constexpr int kMaxDecodeQueries = 64;
inline constexpr int kMaxDecodeRows = 1024;

// shape_schema() with decode defaults: one query token over a 4K cache, Llama-3.1-8B heads
// (32 query, 8 KV, head_dim 128).
ParamSchema decode_schema();

// validate_shape plus the skeleton's limits; `single_token`: the variant is a one-token step
// (KV eviction policies update their cache per token).
void validate_decode(const Params& p, bool single_token);

// One token over 1 / ragged / long caches, MHA/GQA/MQA, batch 2, value_dim != head_dim; plus
// multi-token steps (incl. seq_q > seq_kv) unless `single_token`. `extra` is merged into each.
std::vector<ShapeValues> decode_test_shapes(bool single_token, const ShapeValues& extra = {});

}  // namespace moat::attention
