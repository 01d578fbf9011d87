#pragma once
// Seeded CP factors of the muMoE expert tensor, shared by the kernel and its test.
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/dtype.hpp"
#include "kernels/common/random.hpp"

namespace moat::variants::moe_multilinear {

struct CpFactors {
  int in, out, experts, rank;
  std::vector<float> gate, u1, u2, u3;  // G [I][N], U1 [N][R], U2 [I][R], U3 [R][O]

  CpFactors(int i, int o, int n, int r, DType dt, std::uint64_t seed)
      : in(i), out(o), experts(n), rank(r) {
    gate = random_values(std::int64_t(i) * n, dt, seed * 5 + 1, 4.0 / std::sqrt(double(i)));
    u1 = random_values(std::int64_t(n) * r, dt, seed * 5 + 2, 1.0);
    u2 = random_values(std::int64_t(i) * r, dt, seed * 5 + 3, 1.0 / std::sqrt(double(i)));
    u3 = random_values(std::int64_t(r) * o, dt, seed * 5 + 4, 1.0 / std::sqrt(double(r)));
  }
};

// Float64 layer output for one input row, expert by expert (kernel.cpp).
std::vector<double> mumoe_ref(const CpFactors& f, const float* x);

}  // namespace moat::variants::moe_multilinear
