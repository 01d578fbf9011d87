#pragma once
// attention.mega_ema parameters (Kokkos-free; spec.cpp and kernel.cpp).
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/params.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::variants::attention_mega_ema {

struct MegaShape {
  int batch, seq, dim, zdim, hdim, ndim, chunk;
  bool causal, chunked;
};

inline ParamSchema schema() {
  return {
      int_param("batch", "sequences in the batch", 1, 1, 4096),
      int_param("seq", "tokens per sequence (EMA, queries and keys)", 128, 1, 1 << 20),
      int_param("dim", "model dimension (EMA features)", 128, 1, 1 << 16),
      int_param("zdim", "shared Q/K representation dimension", 64, 1, 4096),
      int_param("hdim", "value / attention output dimension", 256, 1, 1 << 16),
      int_param("ndim", "EMA expansion dimension per feature (Mega: 16)", 16, 1, 64),
      bool_param("causal", "mask keys after the query position", true),
      text_param("mode", "EMA form", {"chunked", "recurrent"}, std::string("chunked")),
      int_param("chunk", "positions per EMA chunk (chunked mode)", 64, 1, 4096),
  };
}

inline MegaShape mega_shape(const Params& p) {
  return {int(p.i("batch")), int(p.i("seq")),  int(p.i("dim")),   int(p.i("zdim")),
          int(p.i("hdim")),  int(p.i("ndim")), int(p.i("chunk")), p.b("causal"),
          p.s("mode") == "chunked"};
}

inline void validate(const Params&) {}  // every in-schema combination is a valid layer

// The single attention head: Q, K of width zdim, V of width hdim, scale 1/sqrt(zdim).
inline attention::AttentionShape attention_shape(const MegaShape& m) {
  attention::AttentionShape s;
  s.batch = m.batch;
  s.heads_q = s.heads_kv = 1;
  s.seq_q = s.seq_kv = m.seq;
  s.head_dim = m.zdim;
  s.value_dim = m.hdim;
  s.scale = float(1.0 / std::sqrt(double(m.zdim)));
  return s;
}

}  // namespace moat::variants::attention_mega_ema
