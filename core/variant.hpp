#pragma once
// The Kokkos-free half of a variant: what it is, which parameters it takes and what it costs.
// The model and `moat predict` use only this; the kernel half lives in kernels/.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/cost.hpp"
#include "core/dtype.hpp"
#include "core/params.hpp"

namespace moat {

struct VariantSpec {
  std::string name;        // "attention.dense": family prefix + variant, used in scenarios
  std::string family;      // "attention/dense-softmax": the skeleton it shares
  std::string summary;     // one line: the math, in words
  std::string reference;   // paper or code it follows
  ParamSchema params;
  std::vector<DType> dtypes = {DType::fp32};
  // Cross-parameter constraints (e.g. heads_q % heads_kv == 0). Throws moat::Error saying why.
  std::function<void(const Params&)> validate = [](const Params&) {};
  std::function<Cost(const Params&, DType)> cost;
  // Shapes the generic oracle test runs: random-ish and edge shapes (1 token, ragged tiles, ...).
  std::vector<std::map<std::string, ParamValue>> test_shapes;
};

// All registered variants, in a stable order. Generated from the kernels/<family>/<variant>/
// folders at configure time; see cmake/MoatVariants.cmake.
const std::vector<VariantSpec>& variant_specs();
const VariantSpec* find_variant_spec(const std::string& name);

}  // namespace moat
