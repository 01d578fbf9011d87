#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/layer_instance.hpp"

namespace moat::variants::moe_hash {
namespace {

KOKKOS_INLINE_FUNCTION int hash_expert(int id, int experts) {
  unsigned long long z = (unsigned long long)(id) + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return int((z ^ (z >> 31)) % (unsigned long long)(experts));
}

struct HashRouter {
  static constexpr bool kNoLogits = true;
  View1<const int> ids;
  int experts;
  void operator()(const View2<const float>&, const View2<float>&, const View2<int>& idx,
                  const View2<float>& w) const {
    auto id = ids;
    const int e = experts;
    Kokkos::parallel_for(
        "moat::moe::hash_route", RangePolicy(0, int(id.extent(0))), KOKKOS_LAMBDA(int t) {
          idx(t, 0) = hash_expert(id(t), e);
          w(t, 0) = 1.f;
        });
  }
};

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto cfg = moe::layer_config(req.params);
  const int e = cfg.shape.experts;
  Rng rng(req.seed * 977 + 5);
  std::vector<int> ids(cfg.shape.tokens);
  for (auto& id : ids) id = int(rng.below(req.params.i("vocab")));
  View1<int> ids_d("token_ids", cfg.shape.tokens);
  upload(ids_d, ids);
  moe::HostRouter host = [=](moe::HostLogits&, const std::vector<int>& tokens) {
    std::vector<moe::Slots> out;
    for (int t : tokens) out.push_back({{hash_expert(ids[t], e), 1.0}});
    return out;
  };
  return std::make_unique<moe::RoutedMoeInstance<HashRouter, moe::SwiGluEpilogue>>(
      req, cfg, HashRouter{ids_d, e}, host);
}

}  // namespace moat::variants::moe_hash
