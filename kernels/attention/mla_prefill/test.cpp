// The prefill (non-absorbed) form equals the absorbed form of attention.mla: for a query that
// sees every key (the last row of a causal prompt),
//   softmax(q^C . (c W_UK_h) + q^R . k^R) (c W_UV_h) == [softmax([W_UK_h q^C ; q^R] . [c ; k^R]) c] W_UV_h
// The right side runs the absorbed form as attention.mla does: one latent KV head of
// [c | k^R], values = the first kv_lora_rank key columns, through the same flash skeleton.
// Also: the cost charges exactly the up-projection GEMM's FLOPs on top of the attention's.
#include <gtest/gtest.h>

#include <cmath>

#include "core/variant.hpp"
#include "kernels/attention/common/flash_cost.hpp"
#include "kernels/attention/mla_prefill/prefill.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/random.hpp"

namespace moat {
namespace {

using variants::attention_mla_prefill::MlaPrefillDevice;
using variants::attention_mla_prefill::MlaPrefillShape;

// attention.mla's policy (kernels/attention/mla/kernel.cpp) for one query row that sees all keys.
struct LatentAll {
  int seq_kv;
  static constexpr bool kValuesFromKeys = true;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int) const { return seq_kv; }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int, int) const { return true; }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

TEST(MlaPrefill, LastRowEqualsAbsorbedForm) {
  MlaPrefillShape m;
  m.batch = 2;
  m.heads = 3;
  m.seq_q = m.seq_kv = 70;  // ragged: two key tiles, three query tiles
  m.kv_lora = 40;
  m.rope = 8;
  m.nope = 16;
  m.v = 12;
  const int S = m.seq_kv, r = m.kv_lora, kd = m.key_dim(), width = m.kv_width();
  const std::int64_t tokens = std::int64_t(m.batch) * S;
  const auto hq = random_values(std::int64_t(m.batch) * m.heads * m.seq_q * kd, DType::fp32, 11);
  const auto hc = random_values(tokens * r, DType::fp32, 12);
  const auto hkr = random_values(tokens * m.rope, DType::fp32, 13);
  const auto hw = random_values(std::int64_t(r) * width, DType::fp32, 14, 1.0 / std::sqrt(double(r)));

  MlaPrefillDevice prefill(m);
  prefill.set_inputs(hq, hc, hkr, hw);
  prefill.run();
  Kokkos::fence();
  const auto o_prefill = download(prefill.o);

  // Absorbed: q_abs = [W_UK_h q^C ; q^R] for the last row, latent keys [c ; k^R], V = c.
  attention::AttentionShape sa;
  sa.batch = m.batch;
  sa.heads_q = m.heads;
  sa.heads_kv = 1;
  sa.seq_q = 1;
  sa.seq_kv = S;
  sa.head_dim = r + m.rope;
  sa.value_dim = r;
  sa.scale = float(1.0 / std::sqrt(double(kd)));  // the non-absorbed head dimension sets it
  std::vector<float> q_abs(std::size_t(sa.q_elems())), k_lat(std::size_t(sa.k_elems()));
  for (int b = 0; b < m.batch; ++b)
    for (int h = 0; h < m.heads; ++h) {
      const float* qi = &hq[((std::size_t(b) * m.heads + h) * m.seq_q + (m.seq_q - 1)) * kd];
      float* qa = &q_abs[(std::size_t(b) * m.heads + h) * sa.head_dim];
      for (int x = 0; x < r; ++x) {
        double acc = 0;
        for (int d = 0; d < m.nope; ++d)
          acc += double(hw[std::size_t(x) * width + h * (m.nope + m.v) + d]) * qi[d];
        qa[x] = float(acc);
      }
      for (int d = 0; d < m.rope; ++d) qa[r + d] = qi[m.nope + d];
    }
  for (std::int64_t t = 0; t < tokens; ++t) {
    for (int x = 0; x < r; ++x) k_lat[t * sa.head_dim + x] = hc[t * r + x];
    for (int d = 0; d < m.rope; ++d) k_lat[t * sa.head_dim + r + d] = hkr[t * m.rope + d];
  }
  View4<float> q(std::string("q_abs"), sa.batch, sa.heads_q, 1, sa.head_dim);
  View4<float> k(std::string("k_latent"), sa.batch, 1, S, sa.head_dim);
  View4<float> o(std::string("o_latent"), sa.batch, sa.heads_q, 1, r);
  upload(q, q_abs);
  upload(k, k_lat);
  attention::flash_forward(q, k, k, o, sa, LatentAll{S});
  Kokkos::fence();
  const auto o_lat = download(o);

  std::vector<float> got;
  std::vector<double> want;
  for (int b = 0; b < m.batch; ++b)
    for (int h = 0; h < m.heads; ++h) {
      const auto at = o_prefill.begin() +
                      ((std::size_t(b) * m.heads + h) * m.seq_q + (m.seq_q - 1)) * m.v;
      got.insert(got.end(), at, at + m.v);
      for (int d = 0; d < m.v; ++d) {  // absorbed output through W_UV_h
        double acc = 0;
        for (int x = 0; x < r; ++x)
          acc += double(o_lat[(std::size_t(b) * m.heads + h) * r + x]) *
                 hw[std::size_t(x) * width + h * (m.nope + m.v) + m.nope + d];
        want.push_back(acc);
      }
    }
  const CheckReport rep = compare_with_oracle(got, want, 2e-5);
  EXPECT_TRUE(rep.ok) << rep.detail << " rel " << rep.rel_l2_error;
  EXPECT_EQ(rep.checked, std::int64_t(m.batch) * m.heads * m.v);
}

TEST(MlaPrefill, CostIsUpProjectionPlusAttention) {
  const VariantSpec* spec = find_variant_spec("attention.mla_prefill");
  ASSERT_NE(spec, nullptr);
  // DeepSeek-V3, one 1024-token prompt.
  Params p = complete_params(spec->params, {{"seq_q", 1024}, {"seq_kv", 1024}}, spec->name);
  const Cost c = spec->cost(p, DType::bf16);
  const auto s = variants::attention_mla_prefill::attention_shape(
      variants::attention_mla_prefill::mla_prefill_shape(p));
  const Cost attn = attention::flash_cost(s, DType::bf16, attention::causal_range(s));
  const double gemm = 2.0 * 1024 * 512 * (128 * (128 + 128));  // c [1024,512] x [512, 128*256]
  EXPECT_DOUBLE_EQ(c.flops_matrix - attn.flops_matrix, gemm);
  // Decompressed K (128 heads x 192) and V (128 x 128) are written once and read by attention.
  const double kv_written = 1024.0 * 128 * (192 + 128) * 2;
  EXPECT_GE(c.bytes_dram - attn.bytes_dram, kv_written);
  EXPECT_EQ(c.launches, attn.launches + 2);
}

}  // namespace
}  // namespace moat
