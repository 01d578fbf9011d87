// Every attention/linear variant: the chunked (prefill) and recurrent (decode) forms of the same
// state give the same output for every chunk size (each form is also checked against the
// float64 oracle by the generic variant test).
#include <gtest/gtest.h>

#include <cmath>

#include "core/variant.hpp"
#include "kernels/attention/common/linear_features.hpp"
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

// The chunked form's calls (chunks_per_call, bounded by the workspace) carry the state across:
// one chunk per call, three, or all chunks at once give the same outputs and final state, equal
// to the recurrent form's. Per-feature gates and normalization: every part of the skeleton.
TEST(LinearFamily, ChunkedCallsCarryTheState) {
  using namespace attention::linear;
  using Policy = LinearPolicy<EluPlusOne, EluPlusOne, GateDecay, true>;
  const attention::AttentionShape s{2, 4, 2, 50, 150, 8, 12, 0.35f};
  const int chunk = 16, chunks = (s.seq_kv + chunk - 1) / chunk;
  LinearInputs in = random_linear_inputs(s, DType::fp32, 3);
  std::vector<float> log_g =
      random_values(std::int64_t(s.batch) * s.heads_kv * s.seq_kv * s.head_dim, DType::fp32, 9);
  for (auto& x : log_g) x = -0.1f * std::fabs(x);
  const auto gates = add_array(in, log_g, "gates").second;
  const Policy pol{{s.head_dim}, {s.head_dim}, {gates, s.heads_kv, s.seq_kv, s.head_dim}};
  const auto qkv = attention::upload_qkv(s, in.q, in.k, in.v);
  const auto run = [&](const LinearAttention<Policy>& attn) {
    View4<float> o = attention::output_view(s);
    poison(o);
    attn(qkv.q, qkv.k, qkv.v, o);
    std::vector<float> out = download(o), st = download(attn.state()),
                       z = download(attn.normalizer());
    out.insert(out.end(), st.begin(), st.end());
    out.insert(out.end(), z.begin(), z.end());
    return out;
  };
  const auto want = run(LinearAttention<Policy>(s, pol, 1, LinearMode::recurrent));
  const std::int64_t team_bytes = (3 * chunk * 8 + chunk * chunk + chunk + 8 * (12 + 2)) * 4;
  for (int per_call : {1, 3, chunks}) {
    const LinearAttention<Policy> attn(s, pol, chunk, LinearMode::chunked,
                                       team_bytes * s.batch * s.heads_q * per_call);
    ASSERT_EQ(attn.chunks_per_call(), per_call);
    const auto got = run(attn);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i)
      ASSERT_NEAR(got[i], want[i], 2e-5 * (1 + std::fabs(want[i])))
          << "element " << i << ", " << per_call << " per call";
  }
}

}  // namespace
}  // namespace moat
