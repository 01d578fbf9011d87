#include "core/variant.hpp"

namespace moat {

const VariantSpec* find_variant_spec(const std::string& name) {
  for (const auto& v : variant_specs())
    if (v.name == name) return &v;
  return nullptr;
}

}  // namespace moat
