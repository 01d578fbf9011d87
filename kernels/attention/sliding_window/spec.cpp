// attention.sliding_window — local attention over the last `window` keys (Mistral, Gemma-2
// local layers, Longformer's local band). With p = i + seq_kv - seq_q (the query's position):
//   causal:  visible(i, j) = p - window < j <= p
//   else:    visible(i, j) = |j - p| < window   (band of 2 window - 1 keys)
// window >= seq_kv (causal) equals attention.dense (checked in test.cpp).
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_sliding_window {

attention::KeyRange window_range(const attention::AttentionShape& s, int window, bool causal) {
  const int off = s.seq_kv - s.seq_q, n = s.seq_kv;
  return [=](int i) {
    const int p = i + off;
    return std::pair<int, int>(std::max(0, p - window + 1), std::min(n, causal ? p + 1 : p + window));
  };
}

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.sliding_window";
  v.family = "attention/local";
  v.summary = "softmax over a sliding window of keys around (causal: before) each query";
  v.reference = "Beltagy et al. 2020 (Longformer); Jiang et al. 2023 (Mistral 7B, window 4096)";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("window", "keys in the window (causal: including the query's own)", 256, 1, 1 << 22));
  v.params.push_back(bool_param("causal", "one-sided window", true));
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    return attention::flash_cost(s, dt, window_range(s, int(p.i("window")), p.b("causal")));
  };
  for (bool causal : {true, false})
    for (auto& sh : attention::edge_shapes({{"window", 20}, {"causal", causal}}))
      v.test_shapes.push_back(sh);
  v.test_shapes.push_back({{"seq_q", 300}, {"seq_kv", 300}, {"window", 100}, {"heads_q", 2},
                           {"heads_kv", 1}});
  return v;
}

}  // namespace moat::variants::attention_sliding_window
