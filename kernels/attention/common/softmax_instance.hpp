#pragma once
// A KernelInstance for any flash-skeleton variant: random Q/K/V, the kernel, and the float64
// oracle on sampled rows. A variant provides its device Policy and a host mask/score pair; vendor
// baselines of the same cases reuse SoftmaxAttentionCase.
#include <memory>

#include "kernels/attention/common/device_qkv.hpp"
#include "kernels/attention/common/flash.hpp"
#include "kernels/attention/common/oracle.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"

namespace moat::attention {

struct HostMask {
  std::function<bool(int, int, int, int)> visible;
  std::function<double(int, int, int, int, double)> score = [](int, int, int, int, double x) {
    return x;
  };
  std::function<double(int, int)> sink = {};  // see oracle_softmax_rows
  std::function<double(int, int, int, int, double)> finish = {};
};

// The inputs of a softmax-attention case (random Q/K/V, on the host for the oracle and on the
// device, stored as T), its output tensor, and the float64 check of an output on sampled rows:
// what the flash kernel and the vendor baselines of the same cases share.
template <class T = float>
class SoftmaxAttentionCase {
 public:
  SoftmaxAttentionCase(const InstanceRequest& req, AttentionShape shape, HostMask host_mask,
                       bool values_from_keys)
      : s_(shape), host_(std::move(host_mask)), dtype_(req.dtype) {
    hq_ = random_values(s_.q_elems(), dtype_, req.seed * 3 + 0);
    hk_ = random_values(s_.k_elems(), dtype_, req.seed * 3 + 1);
    if (values_from_keys) {  // V = leading value_dim columns of K
      hv_.resize(s_.v_elems());
      for (std::int64_t row = 0; row < s_.v_elems() / s_.value_dim; ++row)
        for (int d = 0; d < s_.value_dim; ++d)
          hv_[row * s_.value_dim + d] = hk_[row * s_.head_dim + d];
    } else {
      hv_ = random_values(s_.v_elems(), dtype_, req.seed * 3 + 2);
    }
    const auto qkv = upload_qkv<T>(s_, hq_, hk_, hv_);
    q = qkv.q, k = qkv.k, v = qkv.v;
    o = output_view<T>(s_);
  }

  const AttentionShape& shape() const { return s_; }

  // Poisons o, runs the implementation once and compares o with the oracle.
  template <class Run>
  CheckReport check(const Run& run) const {
    poison(o);
    run();
    Kokkos::fence();
    std::vector<float> out = download_floats(o);
    auto rows = rows_to_check(s_.rows());
    std::vector<float> got;
    got.reserve(rows.size() * s_.value_dim);
    for (auto r : rows)
      got.insert(got.end(), out.begin() + r * s_.value_dim, out.begin() + (r + 1) * s_.value_dim);
    auto want = oracle_softmax_rows(s_, hq_, hk_, hv_, rows, host_.visible, host_.score, host_.sink,
                                    host_.finish);
    // Fully masked rows legitimately give zeros; only an all-zero *random* reference is suspect.
    bool any_visible = false;
    for (auto r : rows) {
      RowIndex ri = row_index(s_, r);
      for (int j = 0; j < s_.seq_kv && !any_visible; ++j)
        any_visible = host_.visible(ri.b, ri.h, ri.i, j);
    }
    return compare_with_oracle(got, want, oracle_tolerance(dtype_, s_.head_dim + s_.seq_kv),
                               !any_visible);
  }

  View4<const T> q, k, v;  // [batch][heads][seq][dim]
  View4<T> o;              // [batch][heads_q][seq_q][value_dim]

 private:
  AttentionShape s_;
  HostMask host_;
  DType dtype_;
  std::vector<float> hq_, hk_, hv_;
};

// The flash kernel of a variant with the given device Policy, inputs and output stored as T.
template <class Policy, class T = float>
class SoftmaxAttentionInstance final : public KernelInstance {
 public:
  SoftmaxAttentionInstance(const InstanceRequest& req, AttentionShape shape, Policy policy,
                           HostMask host_mask)
      : c_(req, shape, std::move(host_mask), PolicyValuesFromKeys<Policy>),
        policy_(policy),
        split_(kExecOnHost ? nullptr
                           : flash_split_plan<Policy>(
                                 shape, flash_key_splits<Policy>(shape, device_team_slots()))) {
    if (split_) counters_["key_splits"] = double(split_->items) / (shape.batch * shape.heads_kv);
  }

  void run() override {
    flash_forward<Policy, kExecOnHost, T>(c_.q, c_.k, c_.v, c_.o, c_.shape(), policy_,
                                          split_.get());
  }
  std::map<std::string, double> counters() const override { return counters_; }
  CheckReport check() override {
    return c_.check([&] { run(); });
  }

 private:
  SoftmaxAttentionCase<T> c_;
  Policy policy_;
  std::unique_ptr<FlashSplitPlan> split_;  // decode-shaped problems on GPUs (flash_device.hpp)
  std::map<std::string, double> counters_;
};

// The instance for the case's dtype: fp32, or bf16 / fp16 storage for variants whose spec lists
// them (each storage type instantiates the kernels once more, so variants opt in).
template <class Policy>
std::unique_ptr<KernelInstance> make_softmax_attention(const InstanceRequest& req,
                                                       AttentionShape shape, Policy policy,
                                                       HostMask host_mask) {
  return with_storage(req.dtype, [&](auto t) -> std::unique_ptr<KernelInstance> {
    return std::make_unique<SoftmaxAttentionInstance<Policy, decltype(t)>>(req, shape, policy,
                                                                           std::move(host_mask));
  });
}

}  // namespace moat::attention
