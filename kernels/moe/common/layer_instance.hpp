#pragma once
// A KernelInstance for a routed MoE layer built from the shared pipeline:
//   router_logits -> select_experts<Select> -> dispatch -> grouped GEMM up (Epilogue) ->
//   grouped GEMM down -> combine.
// A variant supplies the device selection policy, its float64 twin and the activation.
#include <algorithm>
#include <cmath>
#include <memory>
#include <set>

#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"
#include "kernels/moe/common/dispatch.hpp"
#include "kernels/moe/common/grouped_gemm.hpp"
#include "kernels/moe/common/oracle.hpp"
#include "kernels/moe/common/routing.hpp"

namespace moat::moe {

template <class Select, class Epilogue>
class RoutedMoeInstance final : public KernelInstance {
 public:
  RoutedMoeInstance(const InstanceRequest& req, MoeShape shape, Select select,
                    HostSelect host_select)
      : s_(shape),
        select_(select),
        host_select_(std::move(host_select)),
        dtype_(req.dtype),
        dispatch_(shape.tokens, shape.top_k, shape.experts) {
    const double in_scale = 1.0 / std::sqrt(double(s_.hidden));
    host_.x = random_values(std::int64_t(s_.tokens) * s_.hidden, dtype_, req.seed * 7 + 0);
    host_.router = random_values(std::int64_t(s_.hidden) * s_.experts, dtype_, req.seed * 7 + 1,
                                 in_scale * 4);
    host_.w_gate = random_values(std::int64_t(s_.experts) * s_.hidden * s_.ffn, dtype_,
                                 req.seed * 7 + 2, in_scale);
    if (Epilogue::two_inputs)
      host_.w_up = random_values(std::int64_t(s_.experts) * s_.hidden * s_.ffn, dtype_,
                                 req.seed * 7 + 3, in_scale);
    host_.w_down = random_values(std::int64_t(s_.experts) * s_.ffn * s_.hidden, dtype_,
                                 req.seed * 7 + 4, 1.0 / std::sqrt(double(s_.ffn)));
    x_ = to_device2("x", host_.x, s_.tokens, s_.hidden);
    router_ = to_device2("router", host_.router, s_.hidden, s_.experts);
    w_gate_ = to_device3("w_gate", host_.w_gate, s_.experts, s_.hidden, s_.ffn);
    w_up_ = Epilogue::two_inputs ? to_device3("w_up", host_.w_up, s_.experts, s_.hidden, s_.ffn)
                                 : w_gate_;
    w_down_ = to_device3("w_down", host_.w_down, s_.experts, s_.ffn, s_.hidden);
    logits_ = View2<float>("logits", s_.tokens, s_.experts);
    idx_ = View2<int>("idx", s_.tokens, s_.top_k);
    weight_ = View2<float>("weight", s_.tokens, s_.top_k);
    xp_ = View2<float>("xp", s_.assignments(), s_.hidden);
    hmid_ = View2<float>("hmid", s_.assignments(), s_.ffn);
    yp_ = View2<float>("yp", s_.assignments(), s_.hidden);
    out_ = View2<float>("out", s_.tokens, s_.hidden);
    // At most one partial tile per expert beyond the full ones.
    tiles_ = TileView("tiles", s_.assignments() / kRowTile + s_.experts + 1);
    tiles_host_ = Kokkos::create_mirror_view(tiles_);
  }

  void run() override {
    router_logits(x_, router_, logits_);
    select_experts(logits_, idx_, weight_, select_);
    dispatch(idx_, x_, dispatch_, xp_);
    const int n_tiles = upload_tiles(row_tiles_from_offsets(dispatch_.host_offsets));
    grouped_gemm(tiles_, n_tiles, xp_, w_gate_, w_up_, hmid_, Epilogue{});
    grouped_gemm(tiles_, n_tiles, hmid_, w_down_, w_down_, yp_, IdentityEpilogue{});
    combine(yp_, dispatch_.position, weight_, out_);
  }

  CheckReport check() override {
    poison(out_);
    run();
    Kokkos::fence();
    std::vector<float> out = download(out_);
    auto tokens = rows_to_check(s_.tokens, 64);
    std::vector<float> got;
    for (auto t : tokens)
      got.insert(got.end(), out.begin() + t * s_.hidden, out.begin() + (t + 1) * s_.hidden);
    auto want = oracle_moe_tokens(s_, host_, tokens, host_select_, Epilogue::two_inputs,
                                  &Epilogue::ref);
    return compare_with_oracle(got, want, oracle_tolerance(dtype_, s_.hidden + s_.ffn));
  }

  std::map<std::string, double> counters() const override {
    const auto& off = dispatch_.host_offsets;
    if (off.empty()) return {};
    double max_load = 0, touched = 0;
    for (std::size_t e = 0; e + 1 < off.size(); ++e) {
      const double load = off[e + 1] - off[e];
      max_load = std::max(max_load, load);
      touched += load > 0;
    }
    const double routed = off.back();
    return {{"tokens_routed", routed},
            {"tokens_dropped", double(s_.assignments()) - routed},
            {"max_expert_load", max_load},
            {"mean_expert_load", routed / s_.experts},
            {"load_imbalance", routed > 0 ? max_load / (routed / s_.experts) : 0},
            {"experts_touched", touched}};
  }

 private:
  static View2<const float> to_device2(const char* name, const std::vector<float>& h, int n0,
                                       int n1) {
    View2<float> v(std::string(name), n0, n1);
    upload(v, h);
    return v;
  }
  static View3<const float> to_device3(const char* name, const std::vector<float>& h, int n0,
                                       int n1, int n2) {
    View3<float> v(std::string(name), n0, n1, n2);
    upload(v, h);
    return v;
  }
  // Tiles change with the routing, so they are rebuilt every run (a small host round trip, as
  // in real MoE layers that size their grouped GEMM from the token counts).
  int upload_tiles(const std::vector<RowTile>& tiles) {
    for (std::size_t i = 0; i < tiles.size(); ++i) {
      tiles_host_(i, 0) = tiles[i].expert;
      tiles_host_(i, 1) = tiles[i].row0;
      tiles_host_(i, 2) = tiles[i].rows;
    }
    Kokkos::deep_copy(tiles_, tiles_host_);
    return int(tiles.size());
  }

  MoeShape s_;
  Select select_;
  HostSelect host_select_;
  DType dtype_;
  HostWeights host_;
  Dispatch dispatch_;
  View2<const float> x_, router_;
  View3<const float> w_gate_, w_up_, w_down_;
  View2<float> logits_, weight_, xp_, hmid_, yp_, out_;
  View2<int> idx_;
  TileView tiles_;
  TileView::HostMirror tiles_host_;
};

}  // namespace moat::moe
