#include "kernels/attention/common/position_bias.hpp"
#include "kernels/attention/common/softmax_instance.hpp"
#include "kernels/attention/common/tables.hpp"

namespace moat::variants::attention_alibi {

struct Alibi {
  View1<const float> slopes;  // [heads_q]
  int seq_kv, offset;
  bool causal;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return causal ? kx::min(seq_kv, i + offset + 1) : seq_kv;
  }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    return !causal || j <= i + offset;
  }
  KOKKOS_INLINE_FUNCTION float score(int, int h, int i, int j, float s) const {
    const int dist = i + offset - j;
    return s - slopes(h) * float(dist < 0 ? -dist : dist);
  }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const bool causal = req.params.b("causal");
  const int off = s.seq_kv - s.seq_q;
  std::vector<double> slopes = attention::alibi_slopes(s.heads_q);
  std::vector<float> f(slopes.begin(), slopes.end());
  Alibi p{attention::to_device(f, "alibi_slopes"), s.seq_kv, off, causal};
  attention::HostMask host;
  host.visible = [=](int, int, int i, int j) { return !causal || j <= i + off; };
  host.score = [=](int, int h, int i, int j, double x) {
    return x - double(f[h]) * std::abs(i + off - j);
  };
  return std::make_unique<attention::SoftmaxAttentionInstance<Alibi>>(req, s, p, host);
}

}  // namespace moat::variants::attention_alibi
