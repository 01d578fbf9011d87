#include <memory>

#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/custom_instance.hpp"
#include "kernels/moe/common/pipeline.hpp"

namespace moat::variants::moe_mh_moe {
namespace {

using Pipe = moe::RoutedPipeline<moe::PerTokenRouter<moe::SoftmaxTopK>, moe::SwiGluEpilogue>;

struct MhMoeLayer {
  int tokens, hidden, heads;
  moe::LayerConfig sub;  // the routed layer on sub-tokens
  moe::HostWeights w;
  std::vector<float> w_head, w_merge;
  View3<const float> w_head_d, w_merge_d;
  View2<float> xh, merged;
  moe::DenseGemm proj;
  Pipe pipe;

  static moe::LayerConfig sub_tokens(moe::LayerConfig c, int h) {
    c.shape.tokens *= h;
    c.shape.hidden /= h;
    return c;
  }

  MhMoeLayer(const moe::LayerConfig& full, int h, DType dt, std::uint64_t seed)
      : tokens(full.shape.tokens),
        hidden(full.shape.hidden),
        heads(h),
        sub(sub_tokens(full, h)),
        w(moe::random_layer_weights(sub, true, dt, seed)),
        proj(full.shape.tokens),
        pipe(sub, moe::per_token_router(moe::SoftmaxTopK{true}, sub.shape), w) {
    const double sc = 1.0 / std::sqrt(double(hidden));
    w_head = random_values(std::int64_t(hidden) * hidden, dt, seed * 11 + 1, sc);
    w_merge = random_values(std::int64_t(hidden) * hidden, dt, seed * 11 + 2, sc);
    w_head_d = moe::device3("w_head", w_head, 1, hidden, hidden);
    w_merge_d = moe::device3("w_merge", w_merge, 1, hidden, hidden);
    xh = View2<float>(std::string("x_heads"), tokens, hidden);
    merged = View2<float>(std::string("merged"), tokens, hidden);
  }

  void run(const View2<const float>& x, const View2<float>& out) {
    const int rows = tokens * heads, width = hidden / heads;
    proj(x, w_head_d, xh);
    // [tokens][hidden] row-major is [tokens * heads][hidden / heads] row-major: no copy.
    pipe.run(View2<const float>(xh.data(), rows, width), View2<float>(merged.data(), rows, width));
    proj(merged, w_merge_d, out);
  }

  std::vector<double> oracle(const std::vector<float>& x, const std::vector<int>& toks) const {
    const moe::MoeShape& s = sub.shape;  // hidden = d / h
    const int width = s.hidden;
    std::vector<double> out;
    for (int t : toks) {
      const auto xp = moe::host_vecmat(&x[std::size_t(t) * hidden], hidden, w_head, hidden);
      std::vector<double> m(hidden, 0.0);
      for (int j = 0; j < heads; ++j) {
        const double* u = &xp[std::size_t(j) * width];
        const auto logits = moe::host_vecmat(u, width, w.router, s.experts);
        for (auto [e, we] : moe::softmax_topk_ref(logits, s.top_k, true, s.experts)) {
          const auto y = moe::oracle_expert_ffn(s, w, e, u, true, &moe::SwiGluEpilogue::ref);
          for (int c = 0; c < width; ++c) m[std::size_t(j) * width + c] += we * y[c];
        }
      }
      const auto y = moe::host_vecmat(m.data(), hidden, w_merge, hidden);
      out.insert(out.end(), y.begin(), y.end());
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  moe::LayerConfig cfg;
  cfg.shape = moe::shape_from(req.params);
  const int h = int(req.params.i("heads"));
  const int tokens = cfg.shape.tokens, hidden = cfg.shape.hidden;
  auto layer = std::make_shared<MhMoeLayer>(cfg, h, req.dtype, req.seed);
  const auto x = random_values(std::int64_t(tokens) * hidden, req.dtype, req.seed * 7);
  return std::make_unique<moe::LayerInstance>(
      req.dtype, x, tokens, hidden, hidden,
      [layer](const View2<const float>& xd, const View2<float>& out) { layer->run(xd, out); },
      [layer, x](const std::vector<int>& t) { return layer->oracle(x, t); },
      double(2 * hidden + layer->sub.shape.hidden + layer->sub.shape.ffn),
      [layer] { return layer->pipe.counters(); });
}

}  // namespace moat::variants::moe_mh_moe
