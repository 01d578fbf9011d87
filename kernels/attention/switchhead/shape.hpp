#pragma once
// attention.switchhead parameters (Kokkos-free, shared by spec.cpp and kernel.cpp): the attention
// shape without heads_kv (SwitchHead is multi-head: every head has its own K and V), plus the
// router/expert sizes.
#include "core/params.hpp"
#include "kernels/attention/common/shape.hpp"

namespace moat::variants::attention_switchhead {

inline ParamSchema schema() {
  ParamSchema out;
  for (auto& p : attention::shape_schema())
    if (p.name != "heads_kv") out.push_back(p);
  out.push_back(int_param("hidden", "layer input (model) dimension", 256, 1, 1 << 16));
  out.push_back(int_param("experts", "value / output experts per head", 4, 1, 1024));
  out.push_back(int_param("top_k", "experts chosen per token and head (each side)", 2, 1, 1024));
  out.push_back(bool_param("causal", "mask keys after the query position", true));
  return out;
}

inline attention::AttentionShape shape_of(const Params& p) {
  Params q = p;
  q.set("heads_kv", p.values().at("heads_q"));
  return attention::shape_from(q);
}

}  // namespace moat::variants::attention_switchhead
