#include <memory>

#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/custom_instance.hpp"
#include "kernels/moe/common/pipeline.hpp"
#include "kernels/moe/common/sigmoid_topk.hpp"

namespace moat::variants::moe_moeut {
namespace {

using Pipe = moe::RoutedPipeline<moe::PerTokenRouter<moe::SigmoidTopK>, moe::ReluEpilogue>;
constexpr float kLnEps = 1e-5f;

struct MoeutGroup {
  moe::LayerConfig cfg;
  int repeats;
  std::vector<moe::HostWeights> w;      // one per group position
  std::vector<std::unique_ptr<Pipe>> layers;
  View2<float> h, ln, delta;

  MoeutGroup(const moe::LayerConfig& c, int group, int r, DType dt, std::uint64_t seed)
      : cfg(c), repeats(r) {
    w.reserve(group);
    for (int g = 0; g < group; ++g) {
      w.push_back(moe::random_layer_weights(cfg, false, dt, seed * 101 + g));
      layers.push_back(std::make_unique<Pipe>(
          cfg, moe::per_token_router(moe::SigmoidTopK{}, cfg.shape), w.back()));
    }
    h = View2<float>(std::string("residual"), cfg.shape.tokens, cfg.shape.hidden);
    ln = View2<float>(std::string("router_in"), cfg.shape.tokens, cfg.shape.hidden);
    delta = View2<float>(std::string("delta"), cfg.shape.tokens, cfg.shape.hidden);
  }

  void run(const View2<const float>& x, const View2<float>& out) {
    const int tokens = cfg.shape.tokens, hidden = cfg.shape.hidden;
    auto hs = h, n = ln, dl = delta;
    Kokkos::deep_copy(hs, x);
    for (int r = 0; r < repeats; ++r)
      for (auto& layer : layers) {
        Kokkos::parallel_for(
            "moat::moe::moeut_layernorm", RangePolicy(0, tokens), KOKKOS_LAMBDA(int t) {
              float mean = 0.f;
              for (int c = 0; c < hidden; ++c) mean += hs(t, c);
              mean /= float(hidden);
              float var = 0.f;
              for (int c = 0; c < hidden; ++c) var += (hs(t, c) - mean) * (hs(t, c) - mean);
              const float inv = 1.f / kx::sqrt(var / float(hidden) + kLnEps);
              for (int c = 0; c < hidden; ++c) n(t, c) = (hs(t, c) - mean) * inv;
            });
        layer->run(hs, dl, n);  // experts read the raw stream, the router LN(h)
        Kokkos::parallel_for(
            "moat::moe::moeut_residual", RangePolicy(0, tokens), KOKKOS_LAMBDA(int t) {
              for (int c = 0; c < hidden; ++c) hs(t, c) += dl(t, c);
            });
      }
    Kokkos::deep_copy(out, hs);
  }

  // Tokens are independent through LN, routing and experts: each sampled token alone, in double.
  std::vector<double> oracle(const std::vector<float>& x, const std::vector<int>& tokens) const {
    const moe::MoeShape& s = cfg.shape;
    std::vector<double> out;
    for (int t : tokens) {
      std::vector<double> hv(x.begin() + std::size_t(t) * s.hidden,
                             x.begin() + std::size_t(t + 1) * s.hidden);
      for (int r = 0; r < repeats; ++r)
        for (const auto& wg : w) {
          double mean = 0, var = 0;
          for (double v : hv) mean += v;
          mean /= s.hidden;
          for (double v : hv) var += (v - mean) * (v - mean);
          const double inv = 1.0 / std::sqrt(var / s.hidden + double(kLnEps));
          std::vector<double> lnv(s.hidden);
          for (int c = 0; c < s.hidden; ++c) lnv[c] = (hv[c] - mean) * inv;
          const auto logits = moe::host_vecmat(lnv.data(), s.hidden, wg.router, s.experts);
          std::vector<double> add(s.hidden, 0.0);
          for (auto [e, we] : moe::sigmoid_topk_ref(logits, s.experts, s.top_k)) {
            const auto y = moe::oracle_expert_ffn(s, wg, e, hv.data(), false, &moe::ReluEpilogue::ref);
            for (int c = 0; c < s.hidden; ++c) add[c] += we * y[c];
          }
          for (int c = 0; c < s.hidden; ++c) hv[c] += add[c];
        }
      out.insert(out.end(), hv.begin(), hv.end());
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto cfg = moe::layer_config(req.params);
  const int group = int(req.params.i("group_size")), repeats = int(req.params.i("repeats"));
  auto layer = std::make_shared<MoeutGroup>(cfg, group, repeats, req.dtype, req.seed);
  const moe::MoeShape& s = cfg.shape;
  const auto x = random_values(std::int64_t(s.tokens) * s.hidden, req.dtype, req.seed * 7);
  return std::make_unique<moe::LayerInstance>(
      req.dtype, x, s.tokens, s.hidden, s.hidden,
      [layer](const View2<const float>& xd, const View2<float>& out) { layer->run(xd, out); },
      [layer, x](const std::vector<int>& t) { return layer->oracle(x, t); },
      double(group * repeats) * (s.hidden + s.ffn),
      [layer] { return layer->layers.front()->counters(); });
}

}  // namespace moat::variants::moe_moeut
