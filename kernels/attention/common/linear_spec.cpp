#include "kernels/attention/common/linear_spec.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace moat::attention::linear {

ParamSchema mode_schema() {
  return {text_param("mode", "chunked: parallel form (prefill); recurrent: one position at a time (decode)",
                     {"chunked", "recurrent"}, std::string("chunked")),
          int_param("chunk", "positions per chunk of the chunked form", 64, 1, 4096)};
}

bool is_chunked(const Params& p) { return p.s("mode") == "chunked"; }

void validate_causal(const Params& p) {
  validate_shape(p);
  if (p.i("seq_q") > p.i("seq_kv"))
    throw Error("causal linear attention: queries are the last seq_q of seq_kv positions, so seq_q (" +
                std::to_string(p.i("seq_q")) + ") must not exceed seq_kv (" +
                std::to_string(p.i("seq_kv")) + ")");
}

std::vector<ShapeValues> test_shapes(const ShapeValues& extra) {
  const std::vector<ShapeValues> base = {
      {{"seq_q", 1}, {"seq_kv", 1}, {"heads_q", 1}, {"heads_kv", 1}, {"head_dim", 8}},
      {{"seq_q", 1}, {"seq_kv", 77}, {"heads_q", 4}, {"heads_kv", 1}, {"head_dim", 16}},
      {{"seq_q", 45}, {"seq_kv", 45}, {"heads_q", 6}, {"heads_kv", 2}, {"head_dim", 12}, {"chunk", 16}},
      {{"batch", 2}, {"seq_q", 70}, {"seq_kv", 130}, {"heads_q", 2}, {"heads_kv", 2},
       {"head_dim", 16}, {"value_dim", 8}, {"chunk", 32}},
      {{"seq_q", 150}, {"seq_kv", 150}, {"heads_q", 2}, {"heads_kv", 1}, {"head_dim", 8},
       {"value_dim", 12}},
  };
  std::vector<ShapeValues> out;
  for (const char* mode : {"chunked", "recurrent"})
    for (const auto& b : base) out.push_back(with(with(b, {{"mode", std::string(mode)}}), extra));
  return out;
}

int chunks_per_call(const AttentionShape& s, int features, int chunk,
                    std::int64_t workspace_bytes) {
  const std::int64_t heads = std::int64_t(s.batch) * s.heads_q, F = features, C = chunk;
  const std::int64_t chunks = chunk_count(s, chunk);
  const std::int64_t per_team = (3 * C * F + C * C + C + F * (s.value_dim + 2)) * 4;
  return int(std::clamp<std::int64_t>(workspace_bytes / (per_team * heads), 1, chunks));
}

Cost linear_cost(const CostInput& in) {
  const AttentionShape& s = in.shape;
  const double teams = double(s.batch) * s.heads_q, F = in.features, dv = s.value_dim;
  const int off = s.seq_kv - s.seq_q;
  const bool decay = in.decay != 0;
  double mat = 0, vec = 0, special = 0, state_touches = 0;
  mat += (double(s.seq_kv) + s.seq_q) * in.feature_flops;
  special += (double(s.seq_kv) + s.seq_q) * in.feature_special;
  if (in.chunked) {
    for (int c0 = 0; c0 < s.seq_kv; c0 += in.chunk) {
      const int n = std::min(in.chunk, s.seq_kv - c0);
      for (int t = 0; t < n; ++t) {
        if (c0 + t < off) continue;
        const double pairs = t + 1;
        mat += 2.0 * F * (dv + 1) + pairs * (2.0 * F + 2.0 * dv + 1);  // readout + intra pairs
        if (decay) {
          special += F + pairs * F;
          vec += F + 2.0 * pairs * F;
        }
        if (in.normalized) vec += dv;
      }
      mat += 2.0 * n * F * (dv + 1);  // state update
      if (decay) {
        special += F * (n + 1);
        vec += F * (dv + 1) + 2.0 * n * F + n * F;  // rescale, exponents, cumulative sum
      }
      state_touches += 4;  // written locally, read and overwritten by the carry, read back
    }
  } else {
    mat += double(s.seq_kv) * 2.0 * F * (dv + 1) + double(s.seq_q) * 2.0 * F * (dv + 1);
    if (decay) {
      special += double(s.seq_kv) * F;
      vec += double(s.seq_kv) * F * (dv + 1);
    }
    if (in.normalized) vec += double(s.seq_q) * dv;
    state_touches = 2.0 * s.seq_kv + s.seq_q;
  }
  const double bytes = bytes_of(in.dtype);
  Cost c;
  c.flops_matrix = teams * mat;
  c.flops_vector = teams * vec;
  c.special_ops = teams * special;
  // Q and O once; K/V (and gates) of a KV head once per query head of its group (one team each).
  c.bytes_dram = (double(s.q_elems()) + s.o_elems()) * bytes +
                 teams * s.seq_kv * (s.head_dim + s.value_dim) * bytes +
                 (in.decay == 2 ? teams * s.seq_kv * F * 4.0 : 0.0);
  c.bytes_onchip = teams * state_touches * F * (dv + 1) * 4.0;
  c.launches = 1;
  if (in.chunked) {
    c.bytes_onchip += 2.0 * s.o_elems() * 4.0;  // intra outputs read back by the readout
    const int chunks = chunk_count(s, in.chunk);
    const int per_call = chunks_per_call(s, in.features, in.chunk);
    c.launches = 3 * ((chunks + per_call - 1) / per_call);
  }
  return c;
}

Cost softmax_state_cost(const AttentionShape& s, DType dtype, int features, double logit_flops,
                        bool chunked, int chunk) {
  const double teams = double(s.batch) * s.heads_q, F = features, dv = s.value_dim;
  const double n = s.seq_kv, nq = s.seq_q, chunks = std::ceil(n / chunk);
  Cost c;
  c.flops_matrix = teams * (n * F * (logit_flops + 2.0 * dv) + nq * F * (2.0 * logit_flops + 2.0 * dv));
  c.flops_vector = teams * (n * F * 3.0 + (chunked ? chunks * F * (dv + 4) : n * F * (dv + 4)) +
                            nq * (2.0 * F + dv));
  c.special_ops = teams * (2.0 * n * F + (chunked ? 2.0 * chunks * F : 0.0) + nq * F);
  const double bytes = bytes_of(dtype);
  c.bytes_dram = (double(s.q_elems()) + s.o_elems()) * bytes + teams * n * (s.head_dim + dv) * bytes;
  const double state_passes = chunked ? 2.0 * chunks + 1 : 2.0 * n + 1;
  c.bytes_onchip = teams * (state_passes * F * (dv + 2) * 4.0 + (chunked ? 2.0 * n * F * 4.0 : 0.0));
  c.launches = 1;
  return c;
}

}  // namespace moat::attention::linear
