#include "kernels/attention/common/position_bias.hpp"
#include "kernels/attention/common/softmax_instance.hpp"
#include "kernels/attention/common/tables.hpp"

namespace moat::variants::attention_relative_bias {

// Bias gathered by relative distance: table[h * span + (j - i - offset) + base].
struct RelativeBias {
  View1<const float> table;
  int seq_kv, offset, span, base;
  bool causal;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return causal ? kx::min(seq_kv, i + offset + 1) : seq_kv;
  }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    return !causal || j <= i + offset;
  }
  KOKKOS_INLINE_FUNCTION float score(int, int h, int i, int j, float s) const {
    return s + table(h * span + (j - i - offset) + base);
  }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const bool causal = req.params.b("causal");
  const int buckets = int(req.params.i("num_buckets")), max_dist = int(req.params.i("max_distance"));
  const int off = s.seq_kv - s.seq_q;
  // The learned table B[h][bucket]: fixed seed, independent of the input seed.
  auto bias = std::make_shared<std::vector<float>>(
      random_values(std::int64_t(s.heads_q) * buckets, DType::fp32, 0x75, 0.5));
  // rel = j - i - offset ranges over [-(seq_kv - 1) + ..., seq_kv - 1 - offset]: cover both ends.
  const int base = s.seq_kv + s.seq_q, span = 2 * (s.seq_kv + s.seq_q) + 1;
  std::vector<float> table(std::size_t(s.heads_q) * span, 0.f);
  for (int h = 0; h < s.heads_q; ++h)
    for (int r = -base; r <= base; ++r)
      table[std::size_t(h) * span + r + base] =
          (*bias)[h * buckets + attention::t5_bucket(r, !causal, buckets, max_dist)];
  RelativeBias p{attention::to_device(table, "t5_bias_by_distance"), s.seq_kv, off, span, base,
                 causal};
  attention::HostMask host;
  host.visible = [=](int, int, int i, int j) { return !causal || j <= i + off; };
  host.score = [=](int, int h, int i, int j, double x) {
    return x + (*bias)[h * buckets + attention::t5_bucket(j - i - off, !causal, buckets, max_dist)];
  };
  return std::make_unique<attention::SoftmaxAttentionInstance<RelativeBias>>(req, s, p, host);
}

}  // namespace moat::variants::attention_relative_bias
