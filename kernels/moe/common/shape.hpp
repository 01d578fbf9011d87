#pragma once
// Shape of one MoE layer shared by every MoE variant. Layout (LayoutRight):
//   x [tokens][hidden]            router [hidden][experts]
//   w_gate, w_up [experts][hidden][ffn]   w_down [experts][ffn][hidden]
//   out [tokens][hidden]
// Pipeline: router -> top-k selection -> dispatch (counts, offsets, permutation) ->
//           grouped expert FFN (up GEMM, activation, down GEMM) -> weighted combine.
#include <cstdint>

#include "core/cost.hpp"
#include "core/dtype.hpp"
#include "core/host_device.hpp"
#include "core/params.hpp"

namespace moat::moe {

struct MoeShape {
  int tokens = 1;
  int hidden = 64;
  int ffn = 128;      // per-expert intermediate size
  int experts = 8;
  int top_k = 2;
  MOAT_HOST_DEVICE std::int64_t assignments() const { return std::int64_t(tokens) * top_k; }
};

MoeShape shape_from(const Params& p);
ParamSchema shape_schema();
void validate_shape(const Params& p);  // top_k <= experts, ...

// Cost of the standard pipeline with a gated (SwiGLU-like: two up matrices) or plain expert FFN.
// `experts_touched` is the expected number of experts with at least one token (weights read).
struct PipelineCostInput {
  MoeShape shape;
  DType dtype = DType::fp32;
  bool gated = true;
  double experts_touched = 0;  // 0: min(experts, assignments)
};
Cost router_cost(const MoeShape& s, DType dtype);
Cost dispatch_combine_cost(const MoeShape& s, DType dtype);
Cost expert_ffn_cost(const PipelineCostInput& in);
Cost pipeline_cost(const PipelineCostInput& in);

// Row tile of the grouped GEMM: the cost model counts weight re-reads per tile with it.
inline constexpr int kRowTile = 32;

}  // namespace moat::moe
