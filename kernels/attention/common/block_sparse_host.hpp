#pragma once
// Float64 twins of the block-sparse selector building blocks, for the oracle: the same top-k
// rule as TopK (descending score, ties to the lower index) and block means of K or Q rows.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "kernels/attention/common/block_sparse_geometry.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::attention {

// Indices of the `k` largest scores (ties: lower index), returned ascending.
inline std::vector<int> host_top_k(const std::vector<double>& scores, int k) {
  std::vector<int> idx(scores.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  idx.resize(std::min<std::size_t>(idx.size(), std::size_t(std::max(k, 0))));
  std::sort(idx.begin(), idx.end());
  return idx;
}

// Means of rows [r0, r1) of one (batch, head) slice x[rows][dim] (float inputs, double sums).
inline std::vector<double> host_row_mean(const float* x, int r0, int r1, int dim) {
  std::vector<double> m(dim, 0.0);
  for (int r = r0; r < r1; ++r)
    for (int d = 0; d < dim; ++d) m[d] += x[std::int64_t(r) * dim + d];
  for (auto& v : m) v /= double(r1 - r0);
  return m;
}

// x [dim] times w [dim][out] (row-major), in double.
inline std::vector<double> host_project(const std::vector<double>& x, const std::vector<float>& w,
                                        int out) {
  std::vector<double> y(out, 0.0);
  for (std::size_t d = 0; d < x.size(); ++d)
    for (int e = 0; e < out; ++e) y[e] += x[d] * double(w[d * out + e]);
  return y;
}

inline double host_dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t d = 0; d < a.size(); ++d) s += a[d] * b[d];
  return s;
}

// Pointer to row 0 of (b, head) in a [batch][heads][rows][dim] host tensor.
inline const float* host_slice(const std::vector<float>& x, int b, int head, int heads, int rows,
                               int dim) {
  return x.data() + (std::int64_t(b) * heads + head) * rows * dim;
}

}  // namespace moat::attention
