// attention.cross — encoder-decoder cross attention: decoder queries attend to every encoder
// key, no mask, seq_kv (encoder length) independent of seq_q.
//   O[b,h,i,:] = sum_j softmax_j(scale * q_i . k_j) v_j,  j over all seq_kv encoder tokens.
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::variants::attention_cross {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.cross";
  v.family = "attention/dense-softmax";
  v.summary = "encoder-decoder cross attention: unmasked softmax over an encoder sequence of its own length";
  v.reference = "Vaswani et al. 2017 (encoder-decoder attention); Whisper, T5 decoders";
  v.params = attention::shape_schema();
  for (auto& p : v.params)
    if (p.name == "seq_kv") p.default_value = std::int64_t(1500);  // Whisper's 30 s encoder
  v.validate = attention::validate_shape;
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    return attention::flash_cost(s, dt, attention::full_range(s));
  };
  v.test_shapes = attention::edge_shapes();
  v.test_shapes.push_back({{"seq_q", 3}, {"seq_kv", 150}, {"heads_q", 2}, {"heads_kv", 2}});
  return v;
}

}  // namespace moat::variants::attention_cross
