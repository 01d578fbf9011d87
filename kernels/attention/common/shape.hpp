#pragma once
// Problem shape shared by every attention variant. Layout (LayoutRight, row-major):
//   Q [batch][heads_q][seq_q][head_dim]      K [batch][heads_kv][seq_kv][head_dim]
//   V [batch][heads_kv][seq_kv][value_dim]   O [batch][heads_q][seq_q][value_dim]
// Query head h reads KV head h / (heads_q / heads_kv): MHA (equal), GQA (groups), MQA (one).
#include <cstdint>

#include "core/host_device.hpp"
#include "core/params.hpp"

namespace moat::attention {

struct AttentionShape {
  int batch = 1;
  int heads_q = 1;
  int heads_kv = 1;
  int seq_q = 1;
  int seq_kv = 1;
  int head_dim = 64;
  int value_dim = 64;
  float scale = 0.125f;  // 1/sqrt(head_dim) unless a variant says otherwise

  MOAT_HOST_DEVICE int group() const { return heads_q / heads_kv; }
  MOAT_HOST_DEVICE std::int64_t q_elems() const {
    return std::int64_t(batch) * heads_q * seq_q * head_dim;
  }
  MOAT_HOST_DEVICE std::int64_t k_elems() const {
    return std::int64_t(batch) * heads_kv * seq_kv * head_dim;
  }
  MOAT_HOST_DEVICE std::int64_t v_elems() const {
    return std::int64_t(batch) * heads_kv * seq_kv * value_dim;
  }
  MOAT_HOST_DEVICE std::int64_t o_elems() const {
    return std::int64_t(batch) * heads_q * seq_q * value_dim;
  }
  MOAT_HOST_DEVICE std::int64_t rows() const { return std::int64_t(batch) * heads_q * seq_q; }
};

// Reads batch, heads_q, heads_kv, seq_q, seq_kv, head_dim (and value_dim when present).
AttentionShape shape_from(const Params& p);
// Schema entries for the fields above, with defaults, for variants to start their schema from.
ParamSchema shape_schema();
// heads_q % heads_kv == 0 and friends; throws moat::Error.
void validate_shape(const Params& p);

// Tile sizes of the flash skeleton; the cost model counts K/V re-reads per query tile with them.
inline constexpr int kQueryTile = 32;
inline constexpr int kKeyTile = 64;

// The query tile a team of the tiled skeletons owns: league rank (b * heads_q + h) * q_tiles + qt
// holds rows [i0, i0 + rows) of query head h, which reads KV head hk.
struct QueryTile {
  int b, h, hk, qt, i0, rows;
  MOAT_HOST_DEVICE QueryTile(int league_rank, int q_tiles, const AttentionShape& s)
      : b(league_rank / q_tiles / s.heads_q),
        h(league_rank / q_tiles % s.heads_q),
        hk(h / s.group()),
        qt(league_rank % q_tiles),
        i0(qt * kQueryTile),
        rows(s.seq_q - i0 < kQueryTile ? s.seq_q - i0 : kQueryTile) {}
};

}  // namespace moat::attention
