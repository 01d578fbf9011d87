#pragma once
// A number with the public source it came from. Kept apart from the TOML reader so that headers
// compiled by nvcc (CUDA builds compile every Kokkos-linked source with it) need not see toml++,
// which nvcc cannot parse.
#include <string>

namespace moat::model {

struct Sourced {
  double value = 0;
  std::string source;
};

}  // namespace moat::model
