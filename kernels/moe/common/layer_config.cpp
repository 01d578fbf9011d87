#include "kernels/moe/common/layer_config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace moat::moe {

ParamSchema routing_schema() {
  return {
      text_param("routing", "routed-expert distribution: the variant's learned router, or a "
                            "seeded uniform / Zipf draw, or a committed trace",
                 {"learned", "uniform", "zipf", "trace"}, "learned"),
      real_param("zipf_s", "Zipf exponent: expert of rank r drawn with weight r^-s", 1.0, 0.0, 8.0),
      int_param("routing_seed", "seed of the uniform / Zipf draw", 1, 0),
      text_param("trace", "trace file (routing = trace), relative to the repository root",
                 {}, "scenarios/traces/mixtral_like_e8_k2.txt"),
  };
}

RoutingDistribution routing_from(const Params& p) {
  RoutingDistribution d;
  if (!p.has("routing")) return d;
  d.kind = p.s("routing");
  d.zipf_s = p.r("zipf_s");
  d.seed = std::uint64_t(p.i("routing_seed"));
  d.trace = p.s("trace");
  return d;
}

ParamSchema shared_schema(std::int64_t default_count) {
  return {
      int_param("shared_experts", "always-on shared experts (same width as a routed expert)",
                default_count, 0, 64),
      bool_param("shared_gate", "scale shared outputs by sigmoid(x w_g) (Qwen2-MoE)", false),
  };
}

ParamSchema capacity_schema(double default_factor) {
  return {
      real_param("capacity_factor", "expert capacity = ceil(factor * tokens * k / experts)",
                 default_factor, 0.01, 1024.0),
      bool_param("drop_tokens", "drop assignments beyond capacity (false: no-drop mode)", true),
  };
}

int capacity_of(double factor, const MoeShape& s) {
  return int(std::ceil(factor * double(s.tokens) * s.top_k / s.experts - 1e-9));
}

CapacityRule capacity_from(const Params& p, const MoeShape& s, bool renormalize_kept) {
  CapacityRule c;
  c.enabled = p.b("drop_tokens");
  c.capacity = capacity_of(p.r("capacity_factor"), s);
  c.renormalize_kept = renormalize_kept;
  return c;
}

LayerConfig layer_config(const Params& p, bool renormalize_kept) {
  LayerConfig cfg;
  cfg.shape = shape_from(p);
  cfg.routing = routing_from(p);
  if (p.has("shared_experts")) {
    cfg.shared = int(p.i("shared_experts"));
    cfg.shared_gated = p.b("shared_gate");
  }
  if (p.has("capacity_factor")) cfg.capacity = capacity_from(p, cfg.shape, renormalize_kept);
  return cfg;
}

Cost layer_cost(const LayerConfig& cfg, DType dt, bool gated) {
  const MoeShape& s = cfg.shape;
  MoeShape router_shape = s;
  router_shape.experts = cfg.router_width();
  Cost c = router_cost(router_shape, dt);
  double routed_rows = double(s.tokens) * cfg.slots_of_policy();
  if (cfg.capacity.enabled)
    routed_rows = std::min(routed_rows, double(cfg.capacity.capacity) * s.experts);
  MoeShape all = s;  // dispatch and FFN see routed + shared rows
  all.experts = cfg.expert_count();
  all.top_k = cfg.slots();
  Cost dc = dispatch_combine_cost(all, dt);
  c += dc;
  PipelineCostInput ffn{all, dt, gated, 0};
  const double rows = routed_rows + double(s.tokens) * cfg.shared;
  ffn.shape.top_k = 1;
  ffn.shape.tokens = int(std::max(1.0, rows));
  const double touched = cfg.routing.kind == "uniform" ? expected_experts_touched(s)
                                                       : std::min<double>(s.experts, routed_rows);
  ffn.experts_touched = std::max(1.0, touched + cfg.shared + cfg.policy_experts);
  c += expert_ffn_cost(ffn);
  return c;
}

double expected_experts_touched(const MoeShape& s) {
  const double miss = std::pow(1.0 - double(s.top_k) / s.experts, double(s.tokens));
  return s.experts * (1.0 - miss);
}

namespace {

// splitmix64 stream (same generator as kernels/common/random.hpp, which is Kokkos-side).
struct Draw {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
};

// k distinct experts by sequential sampling without replacement from `popularity`.
std::vector<int> draw_distinct(const std::vector<double>& popularity, int k, Draw& rng) {
  std::vector<double> p = popularity;
  std::vector<int> out;
  for (int s = 0; s < k; ++s) {
    double total = 0;
    for (double v : p) total += v;
    double u = rng.uniform() * total;
    int pick = -1;
    for (int e = 0; e < int(p.size()); ++e) {
      if (p[e] <= 0) continue;
      pick = e;
      if (u < p[e]) break;
      u -= p[e];
    }
    out.push_back(pick);
    p[pick] = 0;
  }
  return out;
}

std::filesystem::path resolve_trace(const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute() || std::filesystem::exists(p)) return p;
  // Relative to the repository root, found from this source file's location
  // (<root>/kernels/moe/common/layer_config.cpp), so tests run from any build directory.
  const auto root = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path()
                        .parent_path();
  return root / p;
}

// Trace format: '#' comments, then one line per token with its k routed expert ids. Tokens
// beyond the trace's length wrap around; a line must hold at least top_k distinct ids < experts.
std::vector<int> read_trace(const std::string& path, const MoeShape& s) {
  const auto file = resolve_trace(path);
  std::ifstream in(file);
  if (!in) throw Error("cannot read routing trace '" + file.string() + "'");
  std::vector<std::vector<int>> lines;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::vector<int> ids;
    int e = 0;
    while (fields >> e) ids.push_back(e);
    auto where = file.string() + ":" + std::to_string(line_no) + ": ";
    if (int(ids.size()) < s.top_k)
      throw Error(where + "trace line has " + std::to_string(ids.size()) + " experts, top_k is " +
                  std::to_string(s.top_k));
    for (int q = 0; q < s.top_k; ++q) {
      if (ids[q] < 0 || ids[q] >= s.experts)
        throw Error(where + "expert " + std::to_string(ids[q]) + " outside [0, " +
                    std::to_string(s.experts) + ")");
      for (int r = 0; r < q; ++r)
        if (ids[r] == ids[q]) throw Error(where + "expert listed twice");
    }
    ids.resize(s.top_k);
    lines.push_back(ids);
  }
  if (lines.empty()) throw Error("routing trace '" + file.string() + "' has no token lines");
  std::vector<int> out;
  for (int t = 0; t < s.tokens; ++t) {
    const auto& ids = lines[std::size_t(t) % lines.size()];
    out.insert(out.end(), ids.begin(), ids.end());
  }
  return out;
}

}  // namespace

std::vector<int> draw_routed_experts(const RoutingDistribution& d, const MoeShape& s) {
  if (d.kind == "trace") return read_trace(d.trace, s);
  std::vector<double> popularity(s.experts, 1.0);
  if (d.kind == "zipf") {
    // Rank order is a seeded permutation, so the hot expert is not always expert 0.
    Draw perm{d.seed * 0x2545F4914F6CDD1Dull + 17};
    std::vector<int> rank(s.experts);
    for (int e = 0; e < s.experts; ++e) rank[e] = e;
    for (int e = s.experts - 1; e > 0; --e) std::swap(rank[e], rank[perm.next() % (e + 1)]);
    for (int e = 0; e < s.experts; ++e) popularity[e] = std::pow(double(rank[e] + 1), -d.zipf_s);
  }
  Draw rng{d.seed * 0x9E3779B97F4A7C15ull + 3};
  std::vector<int> out;
  out.reserve(std::size_t(s.tokens) * s.top_k);
  for (int t = 0; t < s.tokens; ++t) {
    auto ids = draw_distinct(popularity, s.top_k, rng);
    out.insert(out.end(), ids.begin(), ids.end());
  }
  return out;
}

}  // namespace moat::moe
