// attention.streaming_sink — StreamingLLM: the first `sinks` tokens stay visible to every query
// (attention sinks), plus a causal window of the last `window` keys:
//   visible(i, j) = j <= p and (j < sinks or j > p - window),  p = i + seq_kv - seq_q.
// The kernel reads two key spans per query tile (sinks, window) and skips the tiles between.
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_streaming_sink {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.streaming_sink";
  v.family = "attention/local";
  v.summary = "StreamingLLM: sink tokens plus a causal sliding window";
  v.reference = "Xiao et al. 2024, Efficient Streaming Language Models with Attention Sinks";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("sinks", "always-visible initial tokens", 4, 0, 1 << 20));
  v.params.push_back(int_param("window", "recent keys in the window (incl. the query's own)", 1024, 1, 1 << 22));
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    const int sinks = int(p.i("sinks")), w = int(p.i("window")), off = s.seq_kv - s.seq_q;
    // Two spans per row: the window, plus the sink tiles (charged as extra computed keys).
    auto window = [=](int i) {
      return std::pair<int, int>(std::max(0, i + off - w + 1), std::min(s.seq_kv, i + off + 1));
    };
    Cost c = attention::flash_cost(s, dt, window);
    auto sink_only = [=](int i) {
      const int e = std::min(sinks, std::max(0, i + off - w + 1));  // sinks outside the window
      return std::pair<int, int>(0, std::min(e, i + off + 1));
    };
    Cost extra = attention::flash_cost(s, dt, sink_only);
    c.flops_matrix += extra.flops_matrix;
    c.flops_vector += extra.flops_vector;
    c.special_ops += extra.special_ops;
    c.bytes_onchip += extra.bytes_onchip;
    return c;
  };
  v.test_shapes = attention::edge_shapes({{"sinks", 4}, {"window", 16}});
  v.test_shapes.push_back({{"seq_q", 400}, {"seq_kv", 400}, {"sinks", 70}, {"window", 100},
                           {"heads_q", 2}, {"heads_kv", 1}});
  v.test_shapes.push_back({{"seq_q", 300}, {"seq_kv", 300}, {"sinks", 0}, {"window", 64}});
  return v;
}

}  // namespace moat::variants::attention_streaming_sink
