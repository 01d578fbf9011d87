#pragma once
// Seeded, backend-independent input generation: values are drawn on the host and copied to the
// device, so every backend sees the same numbers and the oracle can use them directly.
#include <cstdint>
#include <vector>

#include "core/dtype.hpp"

namespace moat {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull) {}
  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  double normal();
  std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(uniform() * n); }
  // Advances as `calls` next() calls would (splitmix64's state is a counter).
  void skip(std::uint64_t calls) { state_ += calls * 0x9E3779B97F4A7C15ull; }

 private:
  std::uint64_t state_;
};

// Rounds to the storage type (bf16/fp16 round-to-nearest-even), returned as float.
float round_to_storage(double x, DType t);

// n values, normal(0, scale), already rounded to the storage type. Large n is drawn by several
// threads, each skipping ahead to its chunk: the values do not depend on the thread count.
std::vector<float> random_values(std::int64_t n, DType t, std::uint64_t seed, double scale = 1.0);

}  // namespace moat
