#pragma once
// A KernelInstance for one routed MoE layer: seeded input tokens and weights, the device
// RoutedPipeline, and its float64 twin for check(). A variant supplies the Router (usually a
// per-token policy struct), its host twin, the activation and the LayerConfig.
#include <memory>

#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/moe/common/pipeline.hpp"

namespace moat::moe {

template <class Router, class Epilogue>
class RoutedMoeInstance final : public KernelInstance {
 public:
  RoutedMoeInstance(const InstanceRequest& req, const LayerConfig& cfg, Router router,
                    HostRouter host_router)
      : dtype_(req.dtype),
        x_host_(random_values(std::int64_t(cfg.shape.tokens) * cfg.shape.hidden, req.dtype,
                              req.seed * 7)),
        w_(random_layer_weights(cfg, Epilogue::two_inputs, req.dtype, req.seed)),
        pipe_(cfg, router, w_),
        oracle_(cfg, std::move(host_router), w_, Epilogue::two_inputs, &Epilogue::ref) {
    x_ = device2("x", x_host_, cfg.shape.tokens, cfg.shape.hidden);
    out_ = View2<float>("out", cfg.shape.tokens, cfg.shape.hidden);
  }

  void run() override { pipe_.run(x_, out_); }

  CheckReport check() override {
    poison(out_);
    run();
    Kokkos::fence();
    const MoeShape& s = pipe_.config().shape;
    const std::vector<float> out = download(out_);
    std::vector<int> tokens;
    for (auto t : rows_to_check(s.tokens, 64)) tokens.push_back(int(t));
    std::vector<float> got;
    for (int t : tokens)
      got.insert(got.end(), out.begin() + std::int64_t(t) * s.hidden,
                 out.begin() + std::int64_t(t + 1) * s.hidden);
    // Capacity and expert choice may leave a sampled token with no expert: zero is then right.
    return compare_with_oracle(got, oracle_.tokens(x_host_, tokens),
                               oracle_tolerance(dtype_, s.hidden + s.ffn),
                               /*allow_zero_reference=*/pipe_.config().capacity.enabled);
  }

  std::map<std::string, double> counters() const override { return pipe_.counters(); }

  RoutedPipeline<Router, Epilogue>& pipeline() { return pipe_; }

 private:
  DType dtype_;
  std::vector<float> x_host_;
  HostWeights w_;
  RoutedPipeline<Router, Epilogue> pipe_;
  PipelineOracle oracle_;
  View2<const float> x_;
  View2<float> out_;
};

// The common case: a per-token policy and its host twin.
template <class Epilogue, class Select>
std::unique_ptr<KernelInstance> make_routed(const InstanceRequest& req, const LayerConfig& cfg,
                                            Select select, HostSelect host_select) {
  return std::make_unique<RoutedMoeInstance<PerTokenRouter<Select>, Epilogue>>(
      req, cfg, per_token_router(select, cfg.shape), per_token(std::move(host_select)));
}

}  // namespace moat::moe
