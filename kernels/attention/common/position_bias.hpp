#pragma once
// Position biases shared by specs, kernels and oracles (Kokkos-free, host-side definitions).
#include <cmath>
#include <vector>

namespace moat::attention {

// ALiBi slopes (Press et al. 2022, reference implementation): for n = 2^k heads,
// m_h = 2^(-8 (h+1) / n); otherwise the n = 2^floor(log2 H) slopes followed by every other slope
// of the 2n-head sequence.
inline std::vector<double> alibi_slopes(int heads) {
  auto pow2 = [](int n) {
    std::vector<double> s(n);
    for (int h = 0; h < n; ++h) s[h] = std::pow(2.0, -8.0 * (h + 1) / n);
    return s;
  };
  int n = 1;
  while (n * 2 <= heads) n *= 2;
  std::vector<double> s = pow2(n);
  std::vector<double> extra = pow2(2 * n);
  for (int k = 0; int(s.size()) < heads; k += 2) s.push_back(extra[k]);
  return s;
}

// T5 relative-position bucket (mesh_tensorflow / HF T5Attention._relative_position_bucket):
// rel = key position - query position; exact buckets for |rel| < max_exact, log-spaced up to
// max_distance, and separate halves for the two directions when bidirectional.
inline int t5_bucket(int rel, bool bidirectional, int num_buckets, int max_distance) {
  int ret = 0;
  int n = -rel;
  if (bidirectional) {
    num_buckets /= 2;
    if (n < 0) ret += num_buckets;
    n = std::abs(n);
  } else {
    n = std::max(n, 0);
  }
  const int max_exact = num_buckets / 2;
  if (n < max_exact) return ret + n;
  int large = max_exact + int(std::log(double(n) / max_exact) /
                              std::log(double(max_distance) / max_exact) *
                              (num_buckets - max_exact));
  return ret + std::min(large, num_buckets - 1);
}

}  // namespace moat::attention
