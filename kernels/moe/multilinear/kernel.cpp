#include <memory>

#include "kernels/moe/common/custom_instance.hpp"
#include "kernels/moe/common/pipeline.hpp"
#include "kernels/moe/multilinear/factors.hpp"

namespace moat::variants::moe_multilinear {

// Float64 reference by experts: expert n's output (U1[n] * (x U2)) U3, weighted by a_n and
// summed: the MoE definition, not the kernel's ((a U1) * (x U2)) U3 reordering.
std::vector<double> mumoe_ref(const CpFactors& f, const float* x) {
  std::vector<double> logits(f.experts, 0.0);
  for (int i = 0; i < f.in; ++i)
    for (int n = 0; n < f.experts; ++n) logits[n] += double(x[i]) * f.gate[std::size_t(i) * f.experts + n];
  const auto a = moe::host_softmax(logits);
  const auto zx = moe::host_vecmat(x, f.in, f.u2, f.rank);
  std::vector<double> y(f.out, 0.0), v(f.rank);
  for (int n = 0; n < f.experts; ++n) {
    for (int r = 0; r < f.rank; ++r) v[r] = f.u1[std::size_t(n) * f.rank + r] * zx[r];
    const auto yn = moe::host_vecmat(v.data(), f.rank, f.u3, f.out);
    for (int o = 0; o < f.out; ++o) y[o] += a[n] * yn[o];
  }
  return y;
}

namespace {

struct MuMoeLayer {
  CpFactors f;
  View2<const float> gate;
  View3<const float> u1, u2, u3;
  View2<float> a, za, zx;
  moe::DenseGemm gemm;

  MuMoeLayer(int tokens, const CpFactors& factors) : f(factors), gemm(tokens) {
    gate = moe::device2("gate", f.gate, f.in, f.experts);
    u1 = moe::device3("u1", f.u1, 1, f.experts, f.rank);
    u2 = moe::device3("u2", f.u2, 1, f.in, f.rank);
    u3 = moe::device3("u3", f.u3, 1, f.rank, f.out);
    a = View2<float>(std::string("gate_probs"), tokens, f.experts);
    za = View2<float>(std::string("a_u1"), tokens, f.rank);
    zx = View2<float>(std::string("x_u2"), tokens, f.rank);
  }

  void run(const View2<const float>& x, const View2<float>& out) const {
    const int n = f.experts, r = f.rank;
    auto p = a;
    auto h = za;
    auto z = zx;
    moe::router_logits(x, gate, p);
    Kokkos::parallel_for(
        "moat::moe::mumoe_softmax", RangePolicy(0, int(x.extent(0))), KOKKOS_LAMBDA(int t) {
          float m = p(t, 0);
          for (int e = 1; e < n; ++e) m = kx::max(m, p(t, e));
          float sum = 0.f;
          for (int e = 0; e < n; ++e) sum += p(t, e) = kx::exp(p(t, e) - m);
          for (int e = 0; e < n; ++e) p(t, e) /= sum;
        });
    gemm(a, u1, za);  // a U1: the gate folded into rank space
    gemm(x, u2, zx);  // x U2
    Kokkos::parallel_for(
        "moat::moe::mumoe_hadamard", RangePolicy(0, int(x.extent(0))), KOKKOS_LAMBDA(int t) {
          for (int q = 0; q < r; ++q) h(t, q) *= z(t, q);
        });
    gemm(za, u3, out);
  }
};

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const Params& p = req.params;
  const int tokens = int(p.i("tokens"));
  const CpFactors f(int(p.i("hidden")), int(p.i("out_dim")), int(p.i("experts")),
                    int(p.i("rank")), req.dtype, req.seed);
  auto layer = std::make_shared<MuMoeLayer>(tokens, f);
  const auto x = random_values(std::int64_t(tokens) * f.in, req.dtype, req.seed * 7);
  return std::make_unique<moe::LayerInstance>(
      req.dtype, x, tokens, f.in, f.out,
      [layer](const View2<const float>& xd, const View2<float>& out) { layer->run(xd, out); },
      [layer, x](const std::vector<int>& tokens_to_check) {
        std::vector<double> out;
        for (int t : tokens_to_check) {
          const auto y = mumoe_ref(layer->f, &x[std::size_t(t) * layer->f.in]);
          out.insert(out.end(), y.begin(), y.end());
        }
        return out;
      },
      double(f.in + f.experts + f.rank));
}

}  // namespace moat::variants::moe_multilinear
