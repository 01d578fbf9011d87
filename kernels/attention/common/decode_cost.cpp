#include "kernels/attention/common/decode_cost.hpp"

namespace moat::attention {

Cost decode_cost(const AttentionShape& s, DType dtype, const DecodeSchedule& schedule) {
  const double rows = double(s.group()) * s.seq_q;  // query rows sharing one item's K/V
  const double bytes = bytes_of(dtype), kv_row = (s.head_dim + s.value_dim) * bytes;
  double keys = 0, tiles = 0;
  for (const auto& it : schedule.items) {
    const int n = it.end - it.begin;
    keys += n;
    tiles += (n + kDecodeKeyTile - 1) / kDecodeKeyTile;
  }
  const double pairs = keys * rows, row_tiles = tiles * rows;
  const double merges = double(schedule.slots()) * rows;  // (row, partial) merge steps
  Cost c;
  c.flops_matrix = 2.0 * pairs * (s.head_dim + s.value_dim);
  // per score: mask, max, subtract, sum; per (row, tile): rescale of o and l; per merge and
  // output element (one thread each): max, weight, scaled adds of o and l; per output: division.
  c.flops_vector = 4.0 * pairs + row_tiles * (s.value_dim + 2) + merges * 5.0 * s.value_dim +
                   double(s.o_elems());
  c.special_ops = pairs + row_tiles + merges * double(s.value_dim);
  const double partial_bytes = merges * (s.value_dim + 2) * 4.0;  // fp32 o, m, l
  c.bytes_dram = (double(s.q_elems()) + s.o_elems()) * bytes + keys * kv_row + 2.0 * partial_bytes;
  // GPU phase 1 holds query rows in registers and reads each K/V row once per row block, all
  // but the first from L2 (decode_lanes.hpp); where it does not apply, each staged tile is
  // re-read from scratch per further row. (The host per-row kernel re-reads rows from L1/L2 too;
  // on CPUs they stay far below DRAM time.)
  const DecodeLanesLayout lanes =
      DecodeLanesLayout::make(s, 32, 1, std::size_t(1) << 30, int(bytes));
  c.bytes_onchip = keys * kv_row * (lanes.lanes > 0 ? lanes.row_blocks - 1 : rows - 1);
  c.launches = 2;
  return c;
}

}  // namespace moat::attention
