// attention.sink_window_decode — StreamingLLM eviction at decode time. The KV cache holds only
// `sinks` + `window` tokens: the first `sinks` tokens (attention sinks) and a ring of the last
// `window` tokens. A decode step for the token at position p = seq_kv - 1:
//   1. append: its K/V go to slot p (p < sinks) or sinks + (p - sinks) % window, overwriting
//      (evicting) position p - window;
//   2. attend over the min(seq_kv, sinks + window) cached tokens:
//      O = softmax over { j < sinks } u { p - window < j <= p } of scale q . k_j, weights on v_j.
// Slot order does not matter to softmax; StreamingLLM re-indexes positions inside the cache for
// RoPE, which is applied before the cache here (no positional term in this kernel).
#include <algorithm>

#include "core/variant.hpp"
#include "kernels/attention/common/decode_cost.hpp"
#include "kernels/attention/common/decode_spec.hpp"

namespace moat::variants::attention_sink_window_decode {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.sink_window_decode";
  v.family = "attention/decode-kv-policy";
  v.summary = "StreamingLLM decode step: cache of sink tokens plus a ring of recent tokens; append evicts the oldest";
  v.reference = "Xiao et al. 2024, Efficient Streaming Language Models with Attention Sinks";
  v.params = attention::decode_schema();
  v.params.push_back(int_param("sinks", "initial tokens kept forever (StreamingLLM: 4)", 4, 0, 1 << 20));
  v.params.push_back(int_param("window", "recent tokens kept, incl. the new one", 1020, 1, 1 << 22));
  v.validate = [](const Params& p) { attention::validate_decode(p, true); };
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    const int kept = int(std::min<std::int64_t>(s.seq_kv, p.i("sinks") + p.i("window")));
    Cost c = attention::decode_cost(s, dt, attention::split_kv_schedule(s.batch, s.heads_kv, kept, 1));
    c.bytes_dram += 2.0 * s.batch * s.heads_kv * (s.head_dim + s.value_dim) * bytes_of(dt);  // append
    c.launches += 1;
    return c;
  };
  for (auto& sh : attention::decode_test_shapes(true, {{"sinks", 4}, {"window", 16}}))
    v.test_shapes.push_back(sh);
  v.test_shapes.push_back({{"seq_q", 1}, {"seq_kv", 500}, {"sinks", 0}, {"window", 100},
                           {"heads_q", 4}, {"heads_kv", 2}, {"head_dim", 16}});
  v.test_shapes.push_back({{"seq_q", 1}, {"seq_kv", 50}, {"sinks", 4}, {"window", 200},
                           {"heads_q", 2}, {"heads_kv", 2}, {"head_dim", 16}});  // nothing evicted
  return v;
}

}  // namespace moat::variants::attention_sink_window_decode
