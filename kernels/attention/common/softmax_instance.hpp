#pragma once
// A KernelInstance for any flash-skeleton variant: random Q/K/V, the kernel, and the float64
// oracle on sampled rows. A variant provides its device Policy and a host mask/score pair.
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
  std::function<double(int, int, int, int, double)> score =
      [](int, int, int, int, double x) { return x; };
  std::function<double(int, int)> sink = {};                          // see oracle_softmax_rows
  std::function<double(int, int, int, int, double)> finish = {};
};

template <class Policy>
class SoftmaxAttentionInstance final : public KernelInstance {
 public:
  SoftmaxAttentionInstance(const InstanceRequest& req, AttentionShape shape, Policy policy,
                           HostMask host_mask)
      : s_(shape), policy_(policy), host_(std::move(host_mask)), dtype_(req.dtype) {
    hq_ = random_values(s_.q_elems(), dtype_, req.seed * 3 + 0);
    hk_ = random_values(s_.k_elems(), dtype_, req.seed * 3 + 1);
    if constexpr (PolicyValuesFromKeys<Policy>) {  // V = leading value_dim columns of K
      hv_.resize(s_.v_elems());
      for (std::int64_t row = 0; row < s_.v_elems() / s_.value_dim; ++row)
        for (int d = 0; d < s_.value_dim; ++d)
          hv_[row * s_.value_dim + d] = hk_[row * s_.head_dim + d];
    } else {
      hv_ = random_values(s_.v_elems(), dtype_, req.seed * 3 + 2);
    }
    const auto qkv = upload_qkv(s_, hq_, hk_, hv_);
    q_ = qkv.q, k_ = qkv.k, v_ = qkv.v;
    o_ = output_view(s_);
  }

  void run() override { flash_forward(q_, k_, v_, o_, s_, policy_); }

  CheckReport check() override {
    poison(o_);
    run();
    Kokkos::fence();
    std::vector<float> out = download(o_);
    auto rows = rows_to_check(s_.rows());
    std::vector<float> got;
    got.reserve(rows.size() * s_.value_dim);
    for (auto r : rows)
      got.insert(got.end(), out.begin() + r * s_.value_dim, out.begin() + (r + 1) * s_.value_dim);
    auto want = oracle_softmax_rows(s_, hq_, hk_, hv_, rows, host_.visible, host_.score,
                                   host_.sink, host_.finish);
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

 private:
  AttentionShape s_;
  Policy policy_;
  HostMask host_;
  DType dtype_;
  std::vector<float> hq_, hk_, hv_;
  View4<const float> q_, k_, v_;
  View4<float> o_;
};

}  // namespace moat::attention
