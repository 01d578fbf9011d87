#include "kernels/common/check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace moat {

double oracle_tolerance(DType storage, double reduction_length) {
  // fp32 accumulation error grows ~ sqrt(n) * eps32 for random-sign data; storage rounding of
  // inputs is applied to the oracle's inputs too, so it does not enter here. A floor of 1e-5
  // covers exp/log approximations in the kernels.
  double accumulate = 6.0e-8 * std::sqrt(std::max(1.0, reduction_length)) * 8.0;
  double storage_term = storage == DType::fp32 || storage == DType::fp64 ? 0.0
                                                                          : epsilon_of(storage) * 4;
  return std::max(1e-5, accumulate + storage_term);
}

CheckReport compare_with_oracle(std::span<const float> got, std::span<const double> want,
                                double tolerance, bool allow_zero_reference) {
  CheckReport r;
  r.tolerance = tolerance;
  r.checked = static_cast<std::int64_t>(want.size());
  if (got.size() != want.size()) {
    r.detail = "size mismatch: kernel gave " + std::to_string(got.size()) + " values, oracle " +
               std::to_string(want.size());
    return r;
  }
  double diff2 = 0, ref2 = 0, ref_max = 0;
  std::int64_t bad_index = -1;
  for (std::size_t i = 0; i < want.size(); ++i) {
    double g = got[i];
    if (!std::isfinite(g)) {
      bad_index = static_cast<std::int64_t>(i);
      break;
    }
    double d = g - want[i];
    diff2 += d * d;
    ref2 += want[i] * want[i];
    ref_max = std::max(ref_max, std::fabs(want[i]));
    r.max_abs_error = std::max(r.max_abs_error, std::fabs(d));
  }
  if (bad_index >= 0) {
    r.detail = "non-finite output at element " + std::to_string(bad_index) + " (oracle " +
               std::to_string(want[bad_index]) + "): unwritten or overflowed";
    r.rel_l2_error = INFINITY;
    return r;
  }
  if (ref2 == 0 && !allow_zero_reference) {
    r.detail = "oracle output is all zeros: the check would prove nothing";
    return r;
  }
  r.rel_l2_error = ref2 > 0 ? std::sqrt(diff2 / ref2) : std::sqrt(diff2);
  // Elementwise guard: no single element may be off by more than 50x the normwise bound
  // relative to the largest reference magnitude (catches a few wrong rows in a big output).
  bool elementwise_ok = r.max_abs_error <= std::max(ref_max, 1e-30) * tolerance * 50;
  r.ok = r.rel_l2_error <= tolerance && elementwise_ok;
  if (!r.ok) {
    std::vector<std::size_t> idx(want.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::size_t shown = std::min<std::size_t>(5, idx.size());
    std::partial_sort(idx.begin(), idx.begin() + shown, idx.end(), [&](auto a, auto b) {
      return std::fabs(got[a] - want[a]) > std::fabs(got[b] - want[b]);
    });
    char buf[160];
    std::snprintf(buf, sizeof buf, "rel_l2=%.3g (tol %.3g), max_abs=%.3g; worst:", r.rel_l2_error,
                  tolerance, r.max_abs_error);
    r.detail = buf;
    for (std::size_t k = 0; k < shown; ++k) {
      std::snprintf(buf, sizeof buf, " [%zu] got %.6g want %.6g;", idx[k], double(got[idx[k]]),
                    want[idx[k]]);
      r.detail += buf;
    }
  }
  return r;
}

std::vector<std::int64_t> rows_to_check(std::int64_t rows, std::int64_t budget) {
  std::vector<std::int64_t> out;
  if (rows <= budget) {
    for (std::int64_t i = 0; i < rows; ++i) out.push_back(i);
    return out;
  }
  for (std::int64_t k = 0; k < budget; ++k) out.push_back(k * (rows - 1) / (budget - 1));
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace moat
