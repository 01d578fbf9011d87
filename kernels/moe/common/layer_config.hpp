#pragma once
// How a routed layer is wired around its selection policy (Kokkos-free, shared by spec and
// kernel): extra router columns, always-on shared experts, per-expert capacity and the
// benchmark routing distribution. Columns of the router output and slots per token:
//   logits [tokens][experts + router_extra + (shared_gated ? shared : 0)]
//   idx, weight [tokens][policy_slots + shared]
//   expert weights [experts + policy_experts + shared]  (shared expert j = experts+policy_experts+j)
#include <cstdint>
#include <string>
#include <vector>

#include "core/cost.hpp"
#include "core/dtype.hpp"
#include "core/params.hpp"
#include "kernels/moe/common/shape.hpp"

namespace moat::moe {

// Benchmark routing distributions (param `routing`): "learned" keeps the variant's own choice;
// the others replace the routed experts of every token by a seeded draw (k distinct experts,
// uniform or Zipf(zipf_s) popularity) or by a committed trace, and weight them with the router's
// softmax renormalized over the drawn experts. See docs/moe.md.
struct RoutingDistribution {
  std::string kind = "learned";  // learned | uniform | zipf | trace
  double zipf_s = 1.0;
  std::uint64_t seed = 0;
  std::string trace;  // path of a trace file (kind == "trace")
  bool forced() const { return kind != "learned"; }
};

// Per-expert capacity on the routed slots (Switch, GShard): assignments beyond `capacity` for an
// expert are dropped in priority order (all first choices in token order, then second choices,
// ...) and contribute zero (the layer's residual carries the token).
struct CapacityRule {
  bool enabled = false;
  int capacity = 0;
  bool renormalize_kept = false;  // GShard/DeepSpeed top-2: renormalize over the kept slots
};

struct LayerConfig {
  MoeShape shape;
  int router_extra = 0;    // policy-read logit columns after the expert logits
  int policy_slots = 0;    // slots the policy writes (0: top_k)
  int policy_experts = 0;  // experts beyond `experts` the policy assigns (PR-MoE's dense MLP)
  int shared = 0;          // always-on shared experts
  bool shared_gated = false;
  CapacityRule capacity;
  RoutingDistribution routing;
  std::int64_t row_capacity = 0;  // dispatched rows to allocate (0: tokens * slots)

  int slots_of_policy() const { return policy_slots > 0 ? policy_slots : shape.top_k; }
  int router_width() const { return shape.experts + router_extra + (shared_gated ? shared : 0); }
  int slots() const { return slots_of_policy() + shared; }
  int expert_count() const { return shape.experts + policy_experts + shared; }
  int shared_expert(int j) const { return shape.experts + policy_experts + j; }
  int shared_gate_column(int j) const { return shape.experts + router_extra + j; }
  std::int64_t rows() const {
    return row_capacity > 0 ? row_capacity : std::int64_t(shape.tokens) * slots();
  }
};

// `routing`, `zipf_s`, `routing_seed`, `trace` parameters for variants whose routed choice may be
// replaced by a benchmark distribution.
ParamSchema routing_schema();
RoutingDistribution routing_from(const Params& p);
// `shared_experts`, `shared_gate` parameters (DeepSeek: ungated; Qwen2-MoE: sigmoid gate).
ParamSchema shared_schema(std::int64_t default_count);
// `capacity_factor`, `drop_tokens`: capacity = ceil(capacity_factor * tokens * k / experts).
ParamSchema capacity_schema(double default_factor);
CapacityRule capacity_from(const Params& p, const MoeShape& s, bool renormalize_kept);
int capacity_of(double factor, const MoeShape& s);

// Expected experts hit by tokens * k uniform distinct draws: E (1 - (1 - k/E)^T).
double expected_experts_touched(const MoeShape& s);

// Shape plus whichever of routing / shared / capacity parameters the schema declared.
// `renormalize_kept` is the variant's capacity rule (GShard: true, Switch: false).
LayerConfig layer_config(const Params& p, bool renormalize_kept = false);

// Router + dispatch/combine + expert FFN cost of a configured layer: rows beyond capacity are not
// computed, shared experts see every token, forced uniform routing touches the expected number
// of experts. `gated`: two up-projections (SwiGLU, GeGLU).
Cost layer_cost(const LayerConfig& cfg, DType dt, bool gated);

// The forced routed experts, [tokens][top_k] row-major, for a non-learned distribution.
// Throws moat::Error for unreadable or mismatched trace files.
std::vector<int> draw_routed_experts(const RoutingDistribution& d, const MoeShape& s);

}  // namespace moat::moe
