#pragma once
// Cost of the decode skeleton (decode_skeleton.hpp) for a schedule: phase 1 reads each item's
// K/V rows once from memory (once more from L2 per further row block of a large group, or, for
// groups the lanes kernel cannot hold, from scratch per further row); partial states go through
// memory in fp32; phase 2 merges them.
#include "core/cost.hpp"
#include "core/dtype.hpp"
#include "kernels/attention/common/decode_schedule.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::attention {

// `s.seq_q` query rows per head attend the keys the schedule's items list (cache indices).
Cost decode_cost(const AttentionShape& s, DType dtype, const DecodeSchedule& schedule);

}  // namespace moat::attention
