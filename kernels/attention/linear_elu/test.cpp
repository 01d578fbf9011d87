// Every attention/linear variant: the chunked (prefill) and recurrent (decode) forms of the same
// state give the same output for every chunk size (each form is also checked against the
// float64 oracle by the generic variant test).
#include <gtest/gtest.h>

#include <cmath>

#include "core/variant.hpp"
#include "kernels/attention/common/linear_instance.hpp"

namespace moat {
namespace {

std::vector<float> output_of(const VariantSpec& spec, std::map<std::string, ParamValue> given) {
  Params p = complete_params(spec.params, std::move(given), spec.name);
  spec.validate(p);
  auto inst = variant_implementations().at(spec.name).at("moat")(InstanceRequest{p, DType::fp32, 5});
  auto* readback = dynamic_cast<attention::OutputReadback*>(inst.get());
  EXPECT_NE(readback, nullptr) << spec.name << " has no output readback";
  return readback ? readback->output() : std::vector<float>{};
}

TEST(LinearFamily, ChunkedEqualsRecurrentForAnyChunk) {
  int variants = 0;
  for (const auto& spec : variant_specs()) {
    if (spec.family != "attention/linear") continue;
    ++variants;
    for (auto shape : spec.test_shapes) {
      auto mode = shape.find("mode");
      if (mode == shape.end() || std::get<std::string>(mode->second) != "recurrent") continue;
      const auto recurrent = output_of(spec, shape);
      for (std::int64_t chunk : {1, 7, 64}) {
        shape["mode"] = std::string("chunked");
        shape["chunk"] = chunk;
        const auto chunked = output_of(spec, shape);
        ASSERT_EQ(chunked.size(), recurrent.size());
        double diff2 = 0, ref2 = 0;
        for (std::size_t i = 0; i < chunked.size(); ++i) {
          diff2 += double(chunked[i] - recurrent[i]) * (chunked[i] - recurrent[i]);
          ref2 += double(recurrent[i]) * recurrent[i];
        }
        EXPECT_LT(std::sqrt(diff2 / ref2), 2e-5) << spec.name << " chunk " << chunk;
        shape["mode"] = std::string("recurrent");
      }
    }
  }
  EXPECT_GE(variants, 5);
}

}  // namespace
}  // namespace moat
