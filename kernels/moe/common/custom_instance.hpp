#pragma once
// A KernelInstance for MoE layers that are more than one RoutedPipeline (Soft MoE, MH-MoE,
// MixLoRA, muMoE, MoEUT): the variant gives a device `run(x, out)` and a float64 oracle of the
// requested output rows; this class owns the seeded input, the output and the sampled check.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <memory>
#include <utility>
#include <vector>

#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"
#include "kernels/common/views.hpp"

namespace moat::moe {

class LayerInstance final : public KernelInstance {
 public:
  using Run = std::function<void(const View2<const float>&, const View2<float>&)>;
  // Float64 outputs of the requested tokens, row after row (out_dim values each).
  using Oracle = std::function<std::vector<double>(const std::vector<int>& tokens)>;
  using Counters = std::function<std::map<std::string, double>()>;

  // x_host: [tokens][in_dim] (the oracle captures its own copy); `reduction_length` sets the
  // tolerance (longest chain of fp32 accumulations behind an output element).
  LayerInstance(DType dt, const std::vector<float>& x_host, int tokens, int in_dim, int out_dim,
                Run run, Oracle oracle, double reduction_length, Counters counters = {})
      : dtype_(dt),
        tokens_(tokens),
        out_dim_(out_dim),
        run_(std::move(run)),
        oracle_(std::move(oracle)),
        counters_(std::move(counters)),
        reduction_length_(reduction_length) {
    View2<float> x(std::string("x"), tokens, in_dim);
    upload(x, x_host);
    x_ = x;
    out_ = View2<float>(std::string("out"), tokens, out_dim);
  }

  void run() override { run_(x_, out_); }

  CheckReport check() override {
    poison(out_);
    run();
    Kokkos::fence();
    const std::vector<float> out = download(out_);
    std::vector<int> tokens;
    for (auto t : rows_to_check(tokens_, 64)) tokens.push_back(int(t));
    std::vector<float> got;
    for (int t : tokens)
      got.insert(got.end(), out.begin() + std::int64_t(t) * out_dim_,
                 out.begin() + std::int64_t(t + 1) * out_dim_);
    return compare_with_oracle(got, oracle_(tokens), oracle_tolerance(dtype_, reduction_length_));
  }

  std::map<std::string, double> counters() const override {
    return counters_ ? counters_() : std::map<std::string, double>{};
  }

 private:
  DType dtype_;
  int tokens_, out_dim_;
  Run run_;
  Oracle oracle_;
  Counters counters_;
  double reduction_length_;
  View2<const float> x_;
  View2<float> out_;
};

// A [1][rows][cols] view of a row-major matrix (no copy), for DenseGemm's B operand.
inline View3<const float> as_batch1(const View2<const float>& m) {
  return View3<const float>(m.data(), 1, m.extent(0), m.extent(1));
}

// Host float64 helpers for the oracles.
inline std::vector<double> host_softmax(const std::vector<double>& v) {
  double m = v[0];
  for (double x : v) m = std::max(m, x);
  std::vector<double> p(v.size());
  double sum = 0;
  for (std::size_t i = 0; i < v.size(); ++i) sum += p[i] = std::exp(v[i] - m);
  for (double& x : p) x /= sum;
  return p;
}

// y[n] = sum_k a[k] * b[k][n], b row-major [a.size()][n_cols].
template <class A>
std::vector<double> host_vecmat(const A* a, int k, const std::vector<float>& b, int n_cols,
                                std::size_t b_offset = 0) {
  std::vector<double> y(n_cols, 0.0);
  for (int i = 0; i < k; ++i) {
    const double ai = a[i];
    const float* row = &b[b_offset + std::size_t(i) * n_cols];
    for (int n = 0; n < n_cols; ++n) y[n] += ai * row[n];
  }
  return y;
}

}  // namespace moat::moe
