#pragma once
// Inputs and float64 oracle of moe.grouped_ffn, shared by the moat kernel and the oneDNN
// baseline so both are checked against the same numbers.
#include <cmath>
#include <vector>

#include "core/params.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/random.hpp"
#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/oracle.hpp"

namespace moat::variants::moe_grouped_ffn {

struct Problem {
  int experts, rows_per_expert, hidden, ffn;
  DType dtype;
  std::vector<float> xp;  // [experts * rows_per_expert][hidden]
  moe::HostWeights w;     // w_gate, w_up [experts][hidden][ffn], w_down [experts][ffn][hidden]

  explicit Problem(const InstanceRequest& req)
      : experts(int(req.params.i("experts"))),
        rows_per_expert(int(req.params.i("rows_per_expert"))),
        hidden(int(req.params.i("hidden"))),
        ffn(int(req.params.i("ffn"))),
        dtype(req.dtype) {
    const double in_scale = 1.0 / std::sqrt(double(hidden));
    const std::int64_t n = std::int64_t(experts) * hidden * ffn;
    xp = random_values(rows() * hidden, dtype, req.seed * 7);
    w.w_gate = random_values(n, dtype, req.seed * 7 + 2, in_scale);
    w.w_up = random_values(n, dtype, req.seed * 7 + 3, in_scale);
    w.w_down = random_values(n, dtype, req.seed * 7 + 4, 1.0 / std::sqrt(double(ffn)));
  }
  std::int64_t rows() const { return std::int64_t(experts) * rows_per_expert; }
  moe::MoeShape shape() const {
    moe::MoeShape s;
    s.hidden = hidden;
    s.ffn = ffn;
    s.experts = experts;
    return s;
  }

  // Compares y [rows][hidden] with the oracle on a sample of rows.
  CheckReport check(const std::vector<float>& y) const {
    std::vector<float> got;
    std::vector<double> want;
    for (auto r : rows_to_check(rows(), 64)) {
      got.insert(got.end(), y.begin() + r * hidden, y.begin() + (r + 1) * hidden);
      auto ref = moe::oracle_expert_ffn(shape(), w, int(r / rows_per_expert),
                                        &xp[std::size_t(r) * hidden], true,
                                        &moe::SwiGluEpilogue::ref);
      want.insert(want.end(), ref.begin(), ref.end());
    }
    return compare_with_oracle(got, want, oracle_tolerance(dtype, hidden + ffn));
  }
};

}  // namespace moat::variants::moe_grouped_ffn
