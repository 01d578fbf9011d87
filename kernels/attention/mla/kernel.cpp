#include "kernels/attention/common/host_mask.hpp"

namespace moat::variants::attention_mla {

attention::AttentionShape mla_shape(const Params& p);  // spec.cpp

// Causal over one latent KV head; values are the first kv_lora_rank columns of the key rows.
struct LatentCausal {
  int seq_kv, offset;
  bool causal;
  static constexpr bool kValuesFromKeys = true;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return causal ? kx::min(seq_kv, i + offset + 1) : seq_kv;
  }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    return !causal || j <= i + offset;
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = mla_shape(req.params);
  LatentCausal p{s.seq_kv, s.seq_kv - s.seq_q, req.params.b("causal")};
  return std::make_unique<attention::SoftmaxAttentionInstance<LatentCausal>>(
      req, s, p, attention::host_mask_of(p));
}

}  // namespace moat::variants::attention_mla
