#pragma once
// KernelInstance for the normalizer skeleton and its float64 oracle. The oracle does not share
// the kernel's hooks: each variant gives a host function that maps the full row of visible
// logits (double) to weights, written straight from the paper's formula (no running max, no
// tiles), so a wrong online formulation in the kernel cannot agree with it by construction.
#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include "kernels/attention/common/device_qkv.hpp"
#include "kernels/attention/common/normalizer_skeleton.hpp"
#include "kernels/attention/common/oracle.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"

namespace moat::attention {

// weights(logits) -> one weight per visible logit (same order). Output = sum_j w_j v_j.
using RowWeights = std::function<std::vector<double>(const std::vector<double>& logits)>;

inline std::vector<double> oracle_normalizer_rows(const AttentionShape& s, const CausalMask& mask,
                                                  const std::vector<float>& q,
                                                  const std::vector<float>& k,
                                                  const std::vector<float>& v,
                                                  const std::vector<std::int64_t>& rows,
                                                  const RowWeights& weights,
                                                  bool* any_weight = nullptr) {
  std::vector<double> out;
  out.reserve(rows.size() * s.value_dim);
  for (std::int64_t flat : rows) {
    const RowIndex r = row_index(s, flat);
    const int hk = r.h / s.group();
    const int visible = mask.key_end(r.i);  // keys [0, visible)
    const float* qr = &q[std::size_t(flat) * s.head_dim];
    std::vector<double> logits(static_cast<std::size_t>(visible));
    for (int j = 0; j < visible; ++j) {
      const float* kr = &k[((std::int64_t(r.b) * s.heads_kv + hk) * s.seq_kv + j) * s.head_dim];
      double dot = 0;
      for (int d = 0; d < s.head_dim; ++d) dot += double(qr[d]) * double(kr[d]);
      logits[j] = dot * s.scale;
    }
    std::vector<double> o(s.value_dim, 0.0);
    const std::vector<double> w = visible > 0 ? weights(logits) : std::vector<double>{};
    for (int j = 0; j < visible; ++j) {
      if (any_weight && w[j] != 0.0) *any_weight = true;
      const float* vr = &v[((std::int64_t(r.b) * s.heads_kv + hk) * s.seq_kv + j) * s.value_dim];
      for (int d = 0; d < s.value_dim; ++d) o[d] += w[j] * double(vr[d]);
    }
    out.insert(out.end(), o.begin(), o.end());
  }
  return out;
}

template <class Norm>
class NormalizerInstance final : public KernelInstance {
 public:
  NormalizerInstance(const InstanceRequest& req, AttentionShape shape, Norm norm, bool causal,
                     RowWeights host_weights)
      : s_(shape), norm_(norm), mask_{shape.seq_kv, shape.seq_kv - shape.seq_q, causal},
        host_(std::move(host_weights)), dtype_(req.dtype) {
    hq_ = random_values(s_.q_elems(), dtype_, req.seed * 3 + 0);
    hk_ = random_values(s_.k_elems(), dtype_, req.seed * 3 + 1);
    hv_ = random_values(s_.v_elems(), dtype_, req.seed * 3 + 2);
    const auto qkv = upload_qkv(s_, hq_, hk_, hv_);
    q_ = qkv.q, k_ = qkv.k, v_ = qkv.v;
    o_ = output_view(s_);
  }

  void run() override { normalizer_forward(q_, k_, v_, o_, s_, norm_, mask_); }

  CheckReport check() override {
    poison(o_);
    run();
    Kokkos::fence();
    const std::vector<float> out = download(o_);
    const auto rows = rows_to_check(s_.rows());
    std::vector<float> got;
    got.reserve(rows.size() * s_.value_dim);
    for (auto r : rows)
      got.insert(got.end(), out.begin() + r * s_.value_dim, out.begin() + (r + 1) * s_.value_dim);
    // Rows may legitimately be zero (fully masked; ReLU^2 or clipping zeroing every weight):
    // an all-zero reference is accepted only when the oracle gave no nonzero weight at all
    // (then any nonzero kernel output still fails the elementwise check).
    bool any_weight = false;
    const auto want = oracle_normalizer_rows(s_, mask_, hq_, hk_, hv_, rows, host_, &any_weight);
    return compare_with_oracle(got, want, oracle_tolerance(dtype_, s_.head_dim + s_.seq_kv),
                               !any_weight);
  }

 private:
  AttentionShape s_;
  Norm norm_;
  CausalMask mask_;
  RowWeights host_;
  DType dtype_;
  std::vector<float> hq_, hk_, hv_;
  View4<const float> q_, k_, v_;
  View4<float> o_;
};

}  // namespace moat::attention
