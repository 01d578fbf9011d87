#include <map>
#include <memory>

#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/custom_instance.hpp"
#include "kernels/moe/common/pipeline.hpp"

namespace moat::variants::moe_lora_experts {
namespace {

struct LoraHost {
  std::vector<float> router, w1, w3, w2;   // [d][E], [d][f], [d][f], [f][d]
  std::vector<float> a1, a3, b1, b3;       // [E][d][r], [E][r][f] (B pre-scaled by alpha / r)
  std::vector<float> a2, b2;               // [E][f][r], [E][r][d]
};

struct LoraLayer {
  moe::MoeShape s;
  int rank;
  LoraHost h;
  View2<const float> router;
  View3<const float> w1, w3, w2, a1, a3, b1, b3, a2, b2;
  View2<float> logits, weight, xp, gbase, ubase, g, u, la1, la3, la2, yp;
  View2<int> idx;
  moe::Dispatch disp;
  moe::RowTileList tiles;
  moe::DenseGemm token_gemm, row_gemm;

  LoraLayer(const moe::MoeShape& shape, int r, double alpha, DType dt, std::uint64_t seed)
      : s(shape),
        rank(r),
        disp(shape.tokens, shape.top_k, shape.experts),
        tiles(moe::RowTileList::capacity_for(shape.assignments(), shape.experts)),
        token_gemm(shape.tokens),
        row_gemm(int(shape.assignments())) {
    const std::int64_t d = s.hidden, f = s.ffn, e = s.experts, rows = s.assignments();
    const double sd = 1.0 / std::sqrt(double(d)), sf = 1.0 / std::sqrt(double(f));
    const double sb = alpha / r / std::sqrt(double(r));
    h.router = random_values(d * e, dt, seed * 7 + 1, sd * 4);
    h.w1 = random_values(d * f, dt, seed * 7 + 2, sd);
    h.w3 = random_values(d * f, dt, seed * 7 + 3, sd);
    h.w2 = random_values(f * d, dt, seed * 7 + 4, sf);
    h.a1 = random_values(e * d * r, dt, seed * 7 + 5, sd);
    h.a3 = random_values(e * d * r, dt, seed * 7 + 6, sd);
    h.a2 = random_values(e * f * r, dt, seed * 7 + 7, sf);
    h.b1 = random_values(e * r * f, dt, seed * 7 + 8, sb);
    h.b3 = random_values(e * r * f, dt, seed * 7 + 9, sb);
    h.b2 = random_values(e * r * d, dt, seed * 7 + 10, sb);
    router = moe::device2("router", h.router, d, e);
    w1 = moe::device3("w1", h.w1, 1, d, f);
    w3 = moe::device3("w3", h.w3, 1, d, f);
    w2 = moe::device3("w2", h.w2, 1, f, d);
    a1 = moe::device3("a1", h.a1, e, d, r);
    a3 = moe::device3("a3", h.a3, e, d, r);
    a2 = moe::device3("a2", h.a2, e, f, r);
    b1 = moe::device3("b1", h.b1, e, r, f);
    b3 = moe::device3("b3", h.b3, e, r, f);
    b2 = moe::device3("b2", h.b2, e, r, d);
    logits = View2<float>(std::string("logits"), s.tokens, e);
    idx = View2<int>(std::string("idx"), s.tokens, s.top_k);
    weight = View2<float>(std::string("weight"), s.tokens, s.top_k);
    xp = View2<float>(std::string("xp"), rows, d);
    gbase = View2<float>(std::string("x_w1"), s.tokens, f);
    ubase = View2<float>(std::string("x_w3"), s.tokens, f);
    g = View2<float>(std::string("gate"), rows, f);
    u = View2<float>(std::string("up"), rows, f);
    la1 = View2<float>(std::string("x_a1"), rows, r);
    la3 = View2<float>(std::string("x_a3"), rows, r);
    la2 = View2<float>(std::string("h_a2"), rows, r);
    yp = View2<float>(std::string("yp"), rows, d);
  }

  void run(const View2<const float>& x, const View2<float>& out) {
    moe::router_logits(x, router, logits);
    moe::select_experts(logits, idx, weight, moe::SoftmaxTopK{true});
    moe::dispatch(idx, x, disp, xp);
    token_gemm(x, w1, gbase);  // frozen weights: once per token, not once per assignment
    token_gemm(x, w3, ubase);
    const int rows = disp.host_offsets.back(), f = s.ffn;
    auto row_token = disp.row_token;
    auto gg = g, uu = u, gb = gbase, ub = ubase;
    Kokkos::parallel_for(
        "moat::moe::lora_gather_base", RangePolicy(0, rows), KOKKOS_LAMBDA(int p) {
          const int t = row_token(p);
          for (int c = 0; c < f; ++c) {
            gg(p, c) = gb(t, c);
            uu(p, c) = ub(t, c);
          }
        });
    const int n = tiles.set(disp.host_offsets);
    const moe::IdentityEpilogue id{};
    moe::grouped_gemm(tiles.view(), n, xp, a1, a1, la1, id);
    moe::grouped_gemm(tiles.view(), n, xp, a3, a3, la3, id);
    moe::grouped_gemm(tiles.view(), n, la1, b1, b1, g, id, /*accumulate=*/true);
    moe::grouped_gemm(tiles.view(), n, la3, b3, b3, u, id, /*accumulate=*/true);
    Kokkos::parallel_for(
        "moat::moe::lora_swiglu", RangePolicy(0, rows), KOKKOS_LAMBDA(int p) {
          for (int c = 0; c < f; ++c) gg(p, c) = moe::SwiGluEpilogue{}(gg(p, c), uu(p, c));
        });
    row_gemm(g, w2, yp);
    moe::grouped_gemm(tiles.view(), n, g, a2, a2, la2, id);
    moe::grouped_gemm(tiles.view(), n, la2, b2, b2, yp, id, /*accumulate=*/true);
    moe::combine(yp, disp.position, weight, out);
  }

  // Float64 with each used expert's weights materialized: Wi + A_i,e B_i,e (B pre-scaled).
  std::vector<double> oracle(const std::vector<float>& x, const std::vector<int>& tokens) const {
    const int d = s.hidden, f = s.ffn, r = rank;
    struct Expert { std::vector<double> w1, w3, w2; };
    std::map<int, Expert> cache;
    auto merged = [&](const std::vector<float>& w, const std::vector<float>& a,
                      const std::vector<float>& b, int e, int in, int out_dim) {
      std::vector<double> m(w.begin(), w.end());
      const std::size_t ao = std::size_t(e) * in * r, bo = std::size_t(e) * r * out_dim;
      for (int i = 0; i < in; ++i)
        for (int q = 0; q < r; ++q) {
          const double aiq = a[ao + std::size_t(i) * r + q];
          for (int o = 0; o < out_dim; ++o)
            m[std::size_t(i) * out_dim + o] += aiq * b[bo + std::size_t(q) * out_dim + o];
        }
      return m;
    };
    std::vector<double> out;
    for (int t : tokens) {
      const float* xt = &x[std::size_t(t) * d];
      const auto lg = moe::host_vecmat(xt, d, h.router, s.experts);
      std::vector<double> y(d, 0.0);
      for (auto [e, we] : moe::softmax_topk_ref(lg, s.top_k, true, s.experts)) {
        auto it = cache.find(e);
        if (it == cache.end())
          it = cache.emplace(e, Expert{merged(h.w1, h.a1, h.b1, e, d, f),
                                       merged(h.w3, h.a3, h.b3, e, d, f),
                                       merged(h.w2, h.a2, h.b2, e, f, d)}).first;
        const Expert& ex = it->second;
        std::vector<double> hm(f);
        for (int c = 0; c < f; ++c) {
          double gv = 0, uv = 0;
          for (int i = 0; i < d; ++i) {
            gv += xt[i] * ex.w1[std::size_t(i) * f + c];
            uv += xt[i] * ex.w3[std::size_t(i) * f + c];
          }
          hm[c] = moe::SwiGluEpilogue::ref(gv, uv);
        }
        for (int c = 0; c < f; ++c)
          for (int o = 0; o < d; ++o) y[o] += we * hm[c] * ex.w2[std::size_t(c) * d + o];
      }
      out.insert(out.end(), y.begin(), y.end());
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const moe::MoeShape s = moe::shape_from(req.params);
  auto layer = std::make_shared<LoraLayer>(s, int(req.params.i("rank")),
                                           req.params.r("lora_alpha"), req.dtype, req.seed);
  const auto x = random_values(std::int64_t(s.tokens) * s.hidden, req.dtype, req.seed * 7);
  return std::make_unique<moe::LayerInstance>(
      req.dtype, x, s.tokens, s.hidden, s.hidden,
      [layer](const View2<const float>& xd, const View2<float>& out) { layer->run(xd, out); },
      [layer, x](const std::vector<int>& t) { return layer->oracle(x, t); },
      double(s.hidden + s.ffn + 2 * layer->rank));
}

}  // namespace moat::variants::moe_lora_experts
