// attention.prefix_lm — prefix language model: the first prefix_len tokens (the "prompt") are
// seen bidirectionally by everyone, the rest causally.
//   visible(i, j) = j < prefix_len or j <= i + (seq_kv - seq_q)   (bottom-right aligned).
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_prefix_lm {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.prefix_lm";
  v.family = "attention/dense-softmax";
  v.summary = "prefix-LM mask: bidirectional over the first prefix_len keys, causal after";
  v.reference = "Raffel et al. 2020 (T5 prefix LM); Liu et al. 2018; PaliGemma";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("prefix_len", "bidirectional prefix length (keys)", 32, 0, 1 << 22));
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    const int prefix = int(p.i("prefix_len")), off = s.seq_kv - s.seq_q, n = s.seq_kv;
    return attention::flash_cost(s, dt, [=](int i) {
      return std::pair<int, int>(0, std::min(n, std::max(prefix, i + off + 1)));
    });
  };
  v.test_shapes = attention::edge_shapes({{"prefix_len", 40}});
  v.test_shapes.push_back({{"seq_q", 64}, {"seq_kv", 16}, {"heads_q", 2}, {"heads_kv", 1},
                           {"prefix_len", 0}, {"head_dim", 8}});  // early rows see nothing
  v.test_shapes.push_back({{"seq_q", 100}, {"seq_kv", 100}, {"prefix_len", 100}});  // = dense
  return v;
}

}  // namespace moat::variants::attention_prefix_lm
