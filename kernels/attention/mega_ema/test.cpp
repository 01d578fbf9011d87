// attention.mega_ema: the chunked (prefill) and recurrent (decode) EMA forms give the same layer
// output for any chunk size, including chunks longer than the sequence and ragged last chunks
// (each form is also checked against the float64 oracle by the generic variant test).
#include <gtest/gtest.h>

#include <cmath>

#include "core/variant.hpp"
#include "kernels/attention/common/linear_instance.hpp"

namespace moat {
namespace {

std::vector<float> mega_output(std::map<std::string, ParamValue> given) {
  const VariantSpec* spec = find_variant_spec("attention.mega_ema");
  EXPECT_NE(spec, nullptr);
  Params p = complete_params(spec->params, std::move(given), spec->name);
  auto inst = variant_implementations().at(spec->name).at("moat")(InstanceRequest{p, DType::fp32, 4});
  auto* readback = dynamic_cast<attention::OutputReadback*>(inst.get());
  EXPECT_NE(readback, nullptr);
  return readback ? readback->output() : std::vector<float>{};
}

TEST(MegaEma, ChunkedEqualsRecurrentForAnyChunk) {
  const std::map<std::string, ParamValue> shape = {
      {"batch", 2}, {"seq", 150}, {"dim", 12}, {"zdim", 8}, {"hdim", 16}, {"ndim", 16}};
  auto recurrent_shape = shape;
  recurrent_shape["mode"] = std::string("recurrent");
  const auto recurrent = mega_output(recurrent_shape);
  for (std::int64_t chunk : {1, 7, 64, 256}) {
    auto chunked_shape = shape;
    chunked_shape["chunk"] = chunk;
    const auto chunked = mega_output(chunked_shape);
    ASSERT_EQ(chunked.size(), recurrent.size());
    double diff2 = 0, ref2 = 0;
    for (std::size_t i = 0; i < chunked.size(); ++i) {
      diff2 += double(chunked[i] - recurrent[i]) * (chunked[i] - recurrent[i]);
      ref2 += double(recurrent[i]) * recurrent[i];
    }
    EXPECT_GT(ref2, 0);
    EXPECT_LT(std::sqrt(diff2 / ref2), 2e-5) << "chunk " << chunk;
  }
}

}  // namespace
}  // namespace moat
