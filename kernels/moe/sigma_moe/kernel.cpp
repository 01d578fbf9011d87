#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/layer_instance.hpp"

namespace moat::variants::moe_sigma_moe {
namespace {

// k largest sigmoid(logit) (ties: lower index); weight = the sigmoid score itself.
struct SigmoidTopK {
  KOKKOS_INLINE_FUNCTION void operator()(float* row, int experts, int k, int* idx,
                                         float* w) const {
    for (int s = 0; s < k; ++s) {
      int best = -1;
      for (int e = 0; e < experts; ++e) {
        bool taken = false;
        for (int q = 0; q < s; ++q) taken = taken || idx[q] == e;
        if (!taken && (best < 0 || row[e] > row[best])) best = e;
      }
      idx[s] = best;
      w[s] = 1.f / (1.f + kx::exp(-row[best]));
    }
  }
};

moe::Slots sigmoid_topk_ref(const std::vector<double>& logits, int experts, int k) {
  moe::Slots out;
  std::vector<bool> taken(experts, false);
  for (int s = 0; s < k; ++s) {
    int best = -1;
    for (int e = 0; e < experts; ++e)
      if (!taken[e] && (best < 0 || logits[e] > logits[best])) best = e;
    taken[best] = true;
    out.push_back({best, 1.0 / (1.0 + std::exp(-logits[best]))});
  }
  return out;
}

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto cfg = moe::layer_config(req.params);
  const int k = cfg.shape.top_k, e = cfg.shape.experts;
  return moe::make_routed<moe::ReluEpilogue>(
      req, cfg, SigmoidTopK{},
      [=](const std::vector<double>& logits) { return sigmoid_topk_ref(logits, e, k); });
}

}  // namespace moat::variants::moe_sigma_moe
