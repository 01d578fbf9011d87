#pragma once
// Kokkos-free pieces shared by the linear-attention specs: the mode/chunk parameters, test
// shapes, and the cost of the chunked-state skeleton (linear_state.hpp) in either form.
#include <cstdint>
#include <vector>

#include "core/cost.hpp"
#include "core/dtype.hpp"
#include "core/params.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::attention::linear {

// `mode` (chunked | recurrent) and `chunk` (positions per chunk of the parallel form).
ParamSchema mode_schema();
bool is_chunked(const Params& p);

// Causal linear variants: seq_q <= seq_kv (queries are the last seq_q positions).
void validate_causal(const Params& p);

// One query token (decode over a cache), lengths not multiple of the chunk, GQA groups, batch 2,
// value_dim != head_dim; each in both modes. `extra` merged into each.
std::vector<ShapeValues> test_shapes(const ShapeValues& extra = {});

struct CostInput {
  AttentionShape shape;
  DType dtype = DType::fp32;
  int features = 0;             // F: state rows
  double feature_flops = 0;     // per mapped q or k row
  double feature_special = 0;   // exp etc. per mapped row
  int decay = 0;                // 0: none, 1: per head, 2: per feature and position (gates read)
  bool normalized = false;
  bool chunked = true;
  int chunk = 64;
};
// Counts the skeleton's own work per (batch, query head): feature maps of every key (and query),
// the inter-chunk readout, intra-chunk pairs, state updates, decay exponentials (chunked) or the
// per-position state update and readout (recurrent). States stay in cache-resident workspace:
// their traffic is on-chip (chunked: each chunk's state written, carried and read back, and the
// intra outputs read back by the readout; three launches per call of chunks_per_call chunks).
Cost linear_cost(const CostInput& in);

// The chunked form's (head, chunk) workspace: features, log decays, pairs, normalizers, chunk
// state and decay. Calls cover as many chunks of every head as `workspace_bytes` holds (at least
// one), so the workspace does not grow with the sequence.
inline constexpr std::int64_t kChunkWorkspaceBytes = std::int64_t(256) << 20;
// Chunks of `chunk` keys covering every key (the last may be partial).
inline int chunk_count(const AttentionShape& s, int chunk) {
  return (s.seq_kv + chunk - 1) / chunk;
}
int chunks_per_call(const AttentionShape& s, int features, int chunk,
                    std::int64_t workspace_bytes = kChunkWorkspaceBytes);

// Cost of the softmax-state skeleton (linear_softmax_state.hpp) with F features whose logits cost
// `logit_flops` each (0: raw features; Agent: 2 head_dim): key logits, two exponentials per (key,
// feature), the state update, per-chunk merges (chunked) or per-key rescales (recurrent), and a
// readout computing each query's logits twice (max, then weights).
Cost softmax_state_cost(const AttentionShape& s, DType dtype, int features, double logit_flops,
                        bool chunked, int chunk);

}  // namespace moat::attention::linear
