#include "kernels/attention/common/shape.hpp"

#include <cmath>

#include "core/error.hpp"

namespace moat::attention {

AttentionShape shape_from(const Params& p) {
  AttentionShape s;
  s.batch = int(p.i("batch"));
  s.heads_q = int(p.i("heads_q"));
  s.heads_kv = int(p.i("heads_kv"));
  s.seq_q = int(p.i("seq_q"));
  s.seq_kv = int(p.i("seq_kv"));
  s.head_dim = int(p.i("head_dim"));
  s.value_dim = p.has("value_dim") && p.i("value_dim") > 0 ? int(p.i("value_dim")) : s.head_dim;
  s.scale = float(1.0 / std::sqrt(double(s.head_dim)));
  return s;
}

ParamSchema shape_schema() {
  return {
      int_param("batch", "sequences in the batch", 1, 1, 4096),
      int_param("heads_q", "query heads", 8, 1, 1024),
      int_param("heads_kv", "key/value heads (= heads_q: MHA, 1: MQA, else GQA)", 8, 1, 1024),
      int_param("seq_q", "query tokens per sequence", 128, 1, 1 << 20),
      int_param("seq_kv", "key/value tokens per sequence", 128, 1, 1 << 22),
      int_param("head_dim", "query/key head dimension", 64, 1, 1024),
      int_param("value_dim", "value head dimension (0: same as head_dim)", 0, 0, 1024),
  };
}

void validate_shape(const Params& p) {
  if (p.i("heads_q") % p.i("heads_kv") != 0)
    throw Error("heads_q (" + std::to_string(p.i("heads_q")) +
                ") must be a multiple of heads_kv (" + std::to_string(p.i("heads_kv")) + ")");
}

}  // namespace moat::attention
