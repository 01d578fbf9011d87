#pragma once
// Comparison of a kernel's output with the float64 oracle. Tolerance grows with the storage
// type's epsilon and the length of the reductions behind each output element.
#include <cstdint>
#include <span>
#include <string>

#include "core/dtype.hpp"
#include "kernels/common/instance.hpp"

namespace moat {

// Normwise relative tolerance for outputs produced by reductions of length `reduction_length`
// with fp32 accumulation over inputs stored as `storage`.
double oracle_tolerance(DType storage, double reduction_length);

// Compares `got` (kernel, as float) with `want` (oracle, double) elementwise.
// Fails on NaN/Inf in `got`, on rel L2 error above `tolerance`, and on an all-zero reference
// (which would make the check meaningless) unless `allow_zero_reference`.
CheckReport compare_with_oracle(std::span<const float> got, std::span<const double> want,
                                double tolerance, bool allow_zero_reference = false);

// Rows to check for a problem with `rows` rows: all when few, else an even sample including the
// first and last rows (edges are where tiling bugs live).
std::vector<std::int64_t> rows_to_check(std::int64_t rows, std::int64_t budget = 256);

}  // namespace moat
