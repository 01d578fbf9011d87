#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/layer_instance.hpp"

namespace moat::variants::moe_pyramid_residual {
namespace {

// row = [expert logits | 2 coefficient logits]; slot 0: routed expert, slot 1: the dense MLP
// (expert index `experts`).
struct ResidualTop1 {
  KOKKOS_INLINE_FUNCTION void operator()(float* row, int experts, int, int* idx, float* w) const {
    float m = row[0];
    int best = 0;
    for (int e = 1; e < experts; ++e)
      if (row[e] > row[best]) best = e;
    m = row[best];
    float sum = 0.f;
    for (int e = 0; e < experts; ++e) sum += kx::exp(row[e] - m);
    const float cm = kx::max(row[experts], row[experts + 1]);
    const float c0 = kx::exp(row[experts] - cm), c1 = kx::exp(row[experts + 1] - cm);
    idx[0] = best;
    w[0] = (1.f / sum) * c0 / (c0 + c1);
    idx[1] = experts;
    w[1] = c1 / (c0 + c1);
  }
};

moe::Slots select_ref(const std::vector<double>& row, int experts) {
  auto top = moe::softmax_topk_ref(row, 1, false, experts);
  const double cm = std::max(row[experts], row[experts + 1]);
  const double c0 = std::exp(row[experts] - cm), c1 = std::exp(row[experts + 1] - cm);
  return {{top[0].first, top[0].second * c0 / (c0 + c1)}, {experts, c1 / (c0 + c1)}};
}

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto cfg = moe::layer_config(req.params);
  cfg.router_extra = 2;
  cfg.policy_slots = 2;
  cfg.policy_experts = 1;
  const int e = cfg.shape.experts;
  return moe::make_routed<moe::SwiGluEpilogue>(
      req, cfg, ResidualTop1{}, [=](const std::vector<double>& row) { return select_ref(row, e); });
}

}  // namespace moat::variants::moe_pyramid_residual
