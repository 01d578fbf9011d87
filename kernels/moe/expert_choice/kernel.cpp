#include <cstring>
#include <algorithm>
#include <numeric>

#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/layer_instance.hpp"

namespace moat::variants::moe_expert_choice {

int capacity(const Params& p);  // spec.cpp

namespace {

// Slots are experts: idx(t, e) = e when expert e took token t, else -1.
struct ExpertChoiceRouter {
  int experts, cap;
  void operator()(const View2<const float>&, const View2<float>& logits, const View2<int>& idx,
                  const View2<float>& w) const {
    const int tokens = int(logits.extent(0)), ne = experts, c = cap;
    Kokkos::parallel_for(
        "moat::moe::ec_softmax", RangePolicy(0, tokens), KOKKOS_LAMBDA(int t) {
          float m = logits(t, 0);
          for (int e = 1; e < ne; ++e) m = kx::max(m, logits(t, e));
          float sum = 0.f;
          for (int e = 0; e < ne; ++e) sum += logits(t, e) = kx::exp(logits(t, e) - m);
          for (int e = 0; e < ne; ++e) logits(t, e) /= sum;
        });
    // Per expert, the C-th largest score by bisection on its bit pattern (scores are positive
    // floats, so bit order = value order): 32 counting passes instead of a sort.
    Kokkos::parallel_for(
        "moat::moe::ec_pick", RangePolicy(0, ne), KOKKOS_LAMBDA(int e) {
          auto bits = [&](int t) {
            float v = logits(t, e);
            unsigned int u;
            memcpy(&u, &v, 4);
            return u;
          };
          unsigned int lo = 0u, hi = 0x7F800001u;  // count(bits >= lo) >= c > count(bits >= hi)
          while (hi - lo > 1u) {
            const unsigned int mid = lo + (hi - lo) / 2u;
            int n = 0;
            for (int t = 0; t < tokens; ++t) n += bits(t) >= mid;
            if (n >= c)
              lo = mid;
            else
              hi = mid;
          }
          int ties = c;
          for (int t = 0; t < tokens; ++t) ties -= bits(t) > lo;
          for (int t = 0; t < tokens; ++t) {
            const unsigned int b = bits(t);
            const bool take = b > lo || (b == lo && ties-- > 0);
            idx(t, e) = take ? e : -1;
            w(t, e) = take ? logits(t, e) : 0.f;
          }
        });
  }
};

std::vector<moe::Slots> route_ref(moe::HostLogits& l, const std::vector<int>& tokens, int experts,
                                  int cap) {
  const int n = l.tokens();
  std::vector<std::vector<double>> p(n);
  for (int t = 0; t < n; ++t) {
    const auto& row = l.row(t);
    double m = row[0];
    for (int e = 0; e < experts; ++e) m = std::max(m, row[e]);
    double sum = 0;
    for (int e = 0; e < experts; ++e) sum += std::exp(row[e] - m);
    for (int e = 0; e < experts; ++e) p[t].push_back(std::exp(row[e] - m) / sum);
  }
  std::vector<moe::Slots> all(n, moe::Slots(experts, {-1, 0.0}));
  std::vector<int> order(n);
  for (int e = 0; e < experts; ++e) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return p[a][e] > p[b][e]; });
    for (int q = 0; q < cap; ++q) all[order[q]][e] = {e, p[order[q]][e]};
  }
  std::vector<moe::Slots> out;
  for (int t : tokens) out.push_back(all[t]);
  return out;
}

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  moe::LayerConfig cfg;
  cfg.shape = moe::shape_from(req.params);
  const int e = cfg.shape.experts, cap = capacity(req.params);
  cfg.policy_slots = e;
  cfg.row_capacity = std::int64_t(e) * cap;
  auto inst = std::make_unique<moe::RoutedMoeInstance<ExpertChoiceRouter, moe::SwiGluEpilogue>>(
      req, cfg, ExpertChoiceRouter{e, cap},
      [=](moe::HostLogits& l, const std::vector<int>& t) { return route_ref(l, t, e, cap); });
  inst->pipeline().set_nominal_assignments(double(e) * cap);
  return inst;
}

}  // namespace moat::variants::moe_expert_choice
