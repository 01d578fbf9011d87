#pragma once
// KernelInstance for the softmax-state skeleton (linear_softmax_state.hpp) and its float64
// oracle: per (b, h), S_f = sum_j softmax_j(kl_{j,f}) v_j directly, then each query's softmax
// over features.
#include <cmath>
#include <functional>

#include "kernels/attention/common/device_qkv.hpp"
#include "kernels/attention/common/linear_instance.hpp"
#include "kernels/attention/common/linear_softmax_state.hpp"

namespace moat::attention::linear {

template <class HostPolicy>
std::vector<double> softmax_state_oracle(const AttentionShape& s, const HostPolicy& pol,
                                         const LinearInputs& in, const std::vector<std::int64_t>& rows) {
  const int F = pol.features();
  std::map<int, std::vector<double>> states;  // per (b, h): normalized S [F][dv]
  std::vector<double> out;
  for (auto flat : rows) {
    const RowIndex r = row_index(s, flat);
    const int key = r.b * s.heads_q + r.h, hk = r.h / s.group();
    if (!states.count(key)) {
      auto& S = states[key];
      S.assign(std::size_t(F) * s.value_dim, 0.0);
      std::vector<double> logit(std::size_t(s.seq_kv));
      for (int f = 0; f < F; ++f) {
        double mx = -INFINITY, sum = 0;
        for (int j = 0; j < s.seq_kv; ++j) {
          logit[j] = pol.template key_logit<double>(
              r.b, r.h, &in.k[((std::size_t(r.b) * s.heads_kv + hk) * s.seq_kv + j) * s.head_dim], f);
          mx = std::max(mx, logit[j]);
        }
        for (int j = 0; j < s.seq_kv; ++j) sum += std::exp(logit[j] - mx);
        for (int j = 0; j < s.seq_kv; ++j) {
          const double p = std::exp(logit[j] - mx) / sum;
          const float* vr = &in.v[((std::size_t(r.b) * s.heads_kv + hk) * s.seq_kv + j) * s.value_dim];
          for (int d = 0; d < s.value_dim; ++d) S[std::size_t(f) * s.value_dim + d] += p * vr[d];
        }
      }
    }
    const auto& S = states[key];
    const float* qr = &in.q[std::size_t(flat) * s.head_dim];
    std::vector<double> ql(static_cast<std::size_t>(F)), o(static_cast<std::size_t>(s.value_dim), 0.0);
    double mx = -INFINITY, sum = 0;
    for (int f = 0; f < F; ++f) mx = std::max(mx, ql[f] = pol.template query_logit<double>(r.b, r.h, qr, f));
    for (int f = 0; f < F; ++f) sum += std::exp(ql[f] - mx);
    for (int f = 0; f < F; ++f)
      for (int d = 0; d < s.value_dim; ++d)
        o[d] += std::exp(ql[f] - mx) / sum * S[std::size_t(f) * s.value_dim + d];
    out.insert(out.end(), o.begin(), o.end());
  }
  return out;
}

template <class DevicePolicy, class HostPolicy>
class SoftmaxStateInstance final : public KernelInstance, public OutputReadback {
 public:
  // `prepare` runs on the device before the attention (e.g. pooling agent tokens from Q).
  SoftmaxStateInstance(const InstanceRequest& req, const AttentionShape& s, LinearInputs in,
                       const DevicePolicy& device, const HostPolicy& host, int chunk, bool chunked,
                       std::function<void(const View4<const float>& q)> prepare = {})
      : s_(s), dtype_(req.dtype), in_(std::move(in)), host_(host), attn_(s, device, chunk, chunked),
        prepare_(std::move(prepare)) {
    const DeviceQkv<> qkv = upload_qkv(s, in_.q, in_.k, in_.v);
    q_ = qkv.q, k_ = qkv.k, v_ = qkv.v;
    o_ = output_view(s);
  }
  void run() override {
    if (prepare_) prepare_(q_);
    attn_(q_, k_, v_, o_);
  }
  std::vector<float> output() override {
    poison(o_);
    run();
    Kokkos::fence();
    return download(o_);
  }
  CheckReport check() override {
    const std::vector<float> out = output();
    auto rows = rows_to_check(s_.rows());
    std::vector<float> got;
    for (auto r : rows)
      got.insert(got.end(), out.begin() + r * s_.value_dim, out.begin() + (r + 1) * s_.value_dim);
    return compare_with_oracle(got, softmax_state_oracle(s_, host_, in_, rows),
                               oracle_tolerance(dtype_, s_.head_dim + s_.seq_kv));
  }

 private:
  AttentionShape s_;
  DType dtype_;
  LinearInputs in_;
  HostPolicy host_;
  SoftmaxStateAttention<DevicePolicy> attn_;
  std::function<void(const View4<const float>&)> prepare_;
  View4<const float> q_, k_, v_;
  View4<float> o_;
};

}  // namespace moat::attention::linear
