#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/layer_instance.hpp"

namespace moat::variants::moe_hierarchical {
namespace {

// row = [expert logits (experts) | group logits (groups)]; ties: lower index.
struct GroupThenExpert {
  int groups, group_k;
  KOKKOS_INLINE_FUNCTION void operator()(float* row, int experts, int k, int* idx,
                                         float* w) const {
    float* gl = row + experts;
    float m = gl[0];
    for (int g = 1; g < groups; ++g) m = kx::max(m, gl[g]);
    for (int g = 0; g < groups; ++g) gl[g] = kx::exp(gl[g] - m);  // unnormalized P_g
    const int per = experts / groups, inner = k / group_k;
    unsigned long long chosen_g = 0;
    int slot = 0;
    float gsum = 0.f;
    int order[64];
    for (int q = 0; q < group_k; ++q) {
      int best = -1;
      for (int g = 0; g < groups; ++g)
        if (!(chosen_g >> (g % 64) & 1ull) && (best < 0 || gl[g] > gl[best])) best = g;
      chosen_g |= 1ull << (best % 64);
      order[q % 64] = best;
      gsum += gl[best];
    }
    for (int q = 0; q < group_k; ++q) {
      const int g = order[q % 64];
      const float pg = gl[g] / gsum;
      const float* el = row + g * per;
      float em = el[0];
      for (int e = 1; e < per; ++e) em = kx::max(em, el[e]);
      const int first = slot;
      float esum = 0.f;
      for (int s = 0; s < inner; ++s) {
        int best = -1;
        for (int e = 0; e < per; ++e) {
          bool taken = false;
          for (int r = first; r < slot; ++r) taken = taken || idx[r] == g * per + e;
          if (!taken && (best < 0 || el[e] > el[best])) best = e;
        }
        idx[slot] = g * per + best;
        w[slot] = kx::exp(el[best] - em);
        esum += w[slot];
        ++slot;
      }
      for (int r = first; r < slot; ++r) w[r] = pg * w[r] / esum;
    }
  }
};

moe::Slots select_ref(const std::vector<double>& row, int experts, int k, int groups, int group_k) {
  std::vector<double> pg(groups);
  double m = row[experts];
  for (int g = 0; g < groups; ++g) m = std::max(m, row[experts + g]);
  for (int g = 0; g < groups; ++g) pg[g] = std::exp(row[experts + g] - m);
  std::vector<int> order;
  std::vector<bool> taken_g(groups, false);
  double gsum = 0;
  for (int q = 0; q < group_k; ++q) {
    int best = -1;
    for (int g = 0; g < groups; ++g)
      if (!taken_g[g] && (best < 0 || pg[g] > pg[best])) best = g;
    taken_g[best] = true;
    order.push_back(best);
    gsum += pg[best];
  }
  const int per = experts / groups;
  moe::Slots out;
  for (int g : order) {
    std::vector<double> el(row.begin() + g * per, row.begin() + (g + 1) * per);
    auto inner = moe::softmax_topk_ref(el, k / group_k, /*renormalize=*/true);
    for (auto [e, p] : inner) out.push_back({g * per + e, pg[g] / gsum * p});
  }
  return out;
}

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto cfg = moe::layer_config(req.params);
  const int groups = int(req.params.i("groups")), gk = int(req.params.i("group_top_k"));
  cfg.router_extra = groups;
  const int e = cfg.shape.experts, k = cfg.shape.top_k;
  return moe::make_routed<moe::SwiGluEpilogue>(
      req, cfg, GroupThenExpert{groups, gk},
      [=](const std::vector<double>& row) { return select_ref(row, e, k, groups, gk); });
}

}  // namespace moat::variants::moe_hierarchical
