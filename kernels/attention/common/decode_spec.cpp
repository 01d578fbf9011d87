#include "kernels/attention/common/decode_spec.hpp"

#include <string>

#include "core/error.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::attention {

ParamSchema decode_schema() {
  ParamSchema schema = shape_schema();
  const std::map<std::string, std::int64_t> defaults = {
      {"seq_q", 1}, {"seq_kv", 4096}, {"heads_q", 32}, {"heads_kv", 8}, {"head_dim", 128}};
  for (auto& p : schema)
    if (auto it = defaults.find(p.name); it != defaults.end()) p.default_value = it->second;
  return schema;
}

void validate_decode(const Params& p, bool single_token) {
  validate_shape(p);
  if (single_token && p.i("seq_q") != 1)
    throw Error("this KV-cache policy runs one decode token per step: seq_q must be 1, not " +
                std::to_string(p.i("seq_q")));
  if (p.i("seq_q") > kMaxDecodeQueries)
    throw Error("decode takes at most " + std::to_string(kMaxDecodeQueries) +
                " query tokens per step (seq_q = " + std::to_string(p.i("seq_q")) +
                "); use a prefill variant");
  const std::int64_t rows = p.i("heads_q") / p.i("heads_kv") * p.i("seq_q");
  if (rows > kMaxDecodeRows)
    throw Error("query rows per KV head (heads_q / heads_kv * seq_q = " + std::to_string(rows) +
                ") exceed the decode team's " + std::to_string(kMaxDecodeRows));
}

std::vector<ShapeValues> decode_test_shapes(bool single_token, const ShapeValues& extra) {
  std::vector<ShapeValues> shapes = {
      {{"seq_q", 1}, {"seq_kv", 1}, {"heads_q", 1}, {"heads_kv", 1}, {"head_dim", 8}},
      {{"seq_q", 1}, {"seq_kv", 77}, {"heads_q", 4}, {"heads_kv", 1}, {"head_dim", 16}},
      {{"batch", 2}, {"seq_q", 1}, {"seq_kv", 300}, {"heads_q", 8}, {"heads_kv", 2},
       {"head_dim", 32}, {"value_dim", 24}},
      {{"seq_q", 1}, {"seq_kv", 1000}, {"heads_q", 4}, {"heads_kv", 4}, {"head_dim", 64}},
  };
  if (!single_token) {
    shapes.push_back({{"seq_q", 3}, {"seq_kv", 130}, {"heads_q", 6}, {"heads_kv", 2},
                      {"head_dim", 24}});
    shapes.push_back({{"seq_q", 5}, {"seq_kv", 3}, {"heads_q", 2}, {"heads_kv", 1},
                      {"head_dim", 8}});  // causal: the first rows see no key
  }
  for (auto& s : shapes) s = with(s, extra);
  return shapes;
}

}  // namespace moat::attention
