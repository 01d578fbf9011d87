#include <memory>

#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/custom_instance.hpp"
#include "kernels/moe/common/oracle.hpp"
#include "kernels/moe/common/pipeline.hpp"

namespace moat::variants::moe_soft_moe {
namespace {

struct SoftMoeLayer {
  moe::MoeShape s;  // experts = n; top_k unused
  int slots_per_expert, n_slots;
  std::vector<float> phi;
  moe::HostWeights w;
  View2<const float> phi_d;
  View3<const float> w_in, w_out;
  View2<float> logits, dt, comb, xs, hmid, ys;
  moe::RowTileList tiles;
  int n_tiles = 0;
  moe::DenseGemm slot_gemm, token_gemm;

  SoftMoeLayer(const moe::MoeShape& shape, int p, DType dtype, std::uint64_t seed)
      : s(shape),
        slots_per_expert(p),
        n_slots(shape.experts * p),
        tiles(moe::RowTileList::capacity_for(n_slots, shape.experts)),
        slot_gemm(shape.experts * p),
        token_gemm(shape.tokens) {
    const double in_scale = 1.0 / std::sqrt(double(s.hidden));
    const std::int64_t nw = std::int64_t(s.experts) * s.hidden * s.ffn;
    phi = random_values(std::int64_t(s.hidden) * n_slots, dtype, seed * 7 + 1, in_scale * 4);
    w.w_gate = random_values(nw, dtype, seed * 7 + 2, in_scale);
    w.w_down = random_values(nw, dtype, seed * 7 + 4, 1.0 / std::sqrt(double(s.ffn)));
    phi_d = moe::device2("phi", phi, s.hidden, n_slots);
    w_in = moe::device3("w_in", w.w_gate, s.experts, s.hidden, s.ffn);
    w_out = moe::device3("w_out", w.w_down, s.experts, s.ffn, s.hidden);
    logits = View2<float>(std::string("logits"), s.tokens, n_slots);
    dt = View2<float>(std::string("dispatch_t"), n_slots, s.tokens);
    comb = View2<float>(std::string("combine"), s.tokens, n_slots);
    xs = View2<float>(std::string("slots_in"), n_slots, s.hidden);
    hmid = View2<float>(std::string("hmid"), n_slots, s.ffn);
    ys = View2<float>(std::string("slots_out"), n_slots, s.hidden);
    std::vector<int> offsets;  // expert e owns slots [e p, (e + 1) p)
    for (int e = 0; e <= s.experts; ++e) offsets.push_back(e * p);
    n_tiles = tiles.set(offsets);
  }

  void run(const View2<const float>& x, const View2<float>& out) const {
    const int m = s.tokens, ns = n_slots;
    auto l = logits;
    auto d = dt;
    auto c = comb;
    moe::router_logits(x, phi_d, l);
    // D: softmax over tokens, per slot (stored transposed: the A operand of X~ = D^T X).
    Kokkos::parallel_for(
        "moat::moe::soft_dispatch", RangePolicy(0, ns), KOKKOS_LAMBDA(int j) {
          float mx = l(0, j);
          for (int t = 1; t < m; ++t) mx = kx::max(mx, l(t, j));
          float sum = 0.f;
          for (int t = 0; t < m; ++t) sum += d(j, t) = kx::exp(l(t, j) - mx);
          for (int t = 0; t < m; ++t) d(j, t) /= sum;
        });
    // C: softmax over slots, per token.
    Kokkos::parallel_for(
        "moat::moe::soft_combine", RangePolicy(0, m), KOKKOS_LAMBDA(int t) {
          float mx = l(t, 0);
          for (int j = 1; j < ns; ++j) mx = kx::max(mx, l(t, j));
          float sum = 0.f;
          for (int j = 0; j < ns; ++j) sum += c(t, j) = kx::exp(l(t, j) - mx);
          for (int j = 0; j < ns; ++j) c(t, j) /= sum;
        });
    slot_gemm(dt, moe::as_batch1(x), xs);
    moe::grouped_gemm(tiles.view(), n_tiles, xs, w_in, w_in, hmid, moe::GeluEpilogue{});
    moe::grouped_gemm(tiles.view(), n_tiles, hmid, w_out, w_out, ys, moe::IdentityEpilogue{});
    token_gemm(comb, moe::as_batch1(ys), out);
  }

  // Float64: every slot needs every token, so the slots are computed in full once per call.
  std::vector<double> oracle(const std::vector<float>& x, const std::vector<int>& tokens) const {
    const int m = s.tokens, d = s.hidden, ns = n_slots;
    std::vector<std::vector<double>> l(m);
    for (int t = 0; t < m; ++t) l[t] = moe::host_vecmat(&x[std::size_t(t) * d], d, phi, ns);
    std::vector<std::vector<double>> ys_h(ns);
    for (int j = 0; j < ns; ++j) {
      std::vector<double> col(m);
      for (int t = 0; t < m; ++t) col[t] = l[t][j];
      const auto dj = moe::host_softmax(col);
      std::vector<double> slot(d, 0.0);
      for (int t = 0; t < m; ++t)
        for (int h = 0; h < d; ++h) slot[h] += dj[t] * x[std::size_t(t) * d + h];
      ys_h[j] = moe::oracle_expert_ffn(s, w, j / slots_per_expert, slot.data(), false,
                                       &moe::GeluEpilogue::ref);
    }
    std::vector<double> out;
    for (int t : tokens) {
      const auto ct = moe::host_softmax(l[t]);
      std::vector<double> y(d, 0.0);
      for (int j = 0; j < ns; ++j)
        for (int h = 0; h < d; ++h) y[h] += ct[j] * ys_h[j][h];
      out.insert(out.end(), y.begin(), y.end());
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const moe::MoeShape s = moe::shape_from(req.params);
  auto layer = std::make_shared<SoftMoeLayer>(s, int(req.params.i("slots")), req.dtype, req.seed);
  const auto x = random_values(std::int64_t(s.tokens) * s.hidden, req.dtype, req.seed * 7);
  return std::make_unique<moe::LayerInstance>(
      req.dtype, x, s.tokens, s.hidden, s.hidden,
      [layer](const View2<const float>& xd, const View2<float>& out) { layer->run(xd, out); },
      [layer, x](const std::vector<int>& tokens) { return layer->oracle(x, tokens); },
      double(s.tokens + s.hidden + s.ffn + layer->n_slots));
}

}  // namespace moat::variants::moe_soft_moe
