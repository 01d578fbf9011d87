#pragma once
// KernelInstance for the chunked-state skeleton (linear_state.hpp), its float64 oracle (the
// quadratic form, no state, no chunks) and the readback the chunked/recurrent agreement test uses.
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "kernels/attention/common/device_qkv.hpp"
#include "kernels/attention/common/linear_spec.hpp"
#include "kernels/attention/common/linear_state.hpp"
#include "kernels/attention/common/oracle.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"

namespace moat::attention {

// Implemented by instances whose output tests compare across parameter values (modes, splits).
class OutputReadback {
 public:
  virtual ~OutputReadback() = default;
  virtual std::vector<float> output() = 0;  // runs once, returns O in shape.hpp layout
};

namespace linear {

// o_p = sum_{s <= p} w(p, s) v_s  [/ sum_s w(p, s)],  w = sum_f phi_q(q_p)_f phi_k(k_s)_f
// prod_{s < r <= p} g_r,f — straight from the definition, in double, for sampled rows.
template <class Policy>
std::vector<double> oracle_rows(const AttentionShape& s, const Policy& pol, const std::vector<float>& q,
                                const std::vector<float>& k, const std::vector<float>& v,
                                const std::vector<std::int64_t>& rows) {
  const int F = pol.features(), off = s.seq_kv - s.seq_q;
  std::map<int, std::vector<double>> phik, logcum;  // per (b, hk): [t][F]
  std::vector<double> out, pq(std::size_t(F), 0.0);
  for (auto flat : rows) {
    const RowIndex r = row_index(s, flat);
    const int hk = r.h / s.group(), head = r.b * s.heads_kv + hk, p = r.i + off;
    if (!phik.count(head)) {
      auto& fk = phik[head];
      auto& lc = logcum[head];
      fk.assign(std::size_t(s.seq_kv) * F, 0.0);
      lc.assign(std::size_t(s.seq_kv) * F, 0.0);
      for (int t = 0; t < s.seq_kv; ++t) {
        pol.k_map(hk, &k[(std::size_t(head) * s.seq_kv + t) * s.head_dim], &fk[std::size_t(t) * F]);
        for (int f = 0; f < F; ++f)
          lc[std::size_t(t) * F + f] = (t ? lc[std::size_t(t - 1) * F + f] : 0.0) +
                                       double(pol.decay.log_decay(r.b, hk, t, f));
      }
    }
    const auto& fk = phik[head];
    const auto& lc = logcum[head];
    pol.q_map(hk, &q[std::size_t(flat) * s.head_dim], pq.data());
    std::vector<double> o(std::size_t(s.value_dim), 0.0);
    double den = 0;
    for (int t = 0; t <= p; ++t) {
      double w = 0;
      for (int f = 0; f < F; ++f)
        w += pq[f] * fk[std::size_t(t) * F + f] *
             std::exp(lc[std::size_t(p) * F + f] - lc[std::size_t(t) * F + f]);
      const float* vr = &v[(std::size_t(head) * s.seq_kv + t) * s.value_dim];
      for (int d = 0; d < s.value_dim; ++d) o[d] += w * vr[d];
      den += w;
    }
    for (auto x : o) out.push_back(Policy::kNormalized ? x / den : x);
  }
  return out;
}

struct LinearInputs {
  std::vector<float> q, k, v;
  std::vector<std::vector<float>> extra;  // arrays the host policy points into (kept alive here)
  std::vector<View1<const float>> device;  // arrays the device policy points into
};

// A second branch some variants add to the linear output (Based: sliding-window softmax):
// `run` adds into O on the device, `oracle` gives its float64 rows from the host inputs.
struct ExtraBranch {
  std::function<void(const View4<const float>& q, const View4<const float>& k,
                     const View4<const float>& v, const View4<float>& o)> run;
  std::function<std::vector<double>(const LinearInputs& in, const std::vector<std::int64_t>& rows)> oracle;
};

inline LinearInputs random_linear_inputs(const AttentionShape& s, DType dt, std::uint64_t seed) {
  LinearInputs in;
  in.q = random_values(s.q_elems(), dt, seed * 3 + 0);
  in.k = random_values(s.k_elems(), dt, seed * 3 + 1);
  in.v = random_values(s.v_elems(), dt, seed * 3 + 2);
  return in;
}

// Adds a host array and its device copy; returns (host pointer, device pointer).
inline std::pair<const float*, const float*> add_array(LinearInputs& in, std::vector<float> host,
                                                       const std::string& label) {
  View1<float> d(label, host.size());
  upload(d, host);
  in.device.push_back(d);
  in.extra.push_back(std::move(host));
  return {in.extra.back().data(), d.data()};
}

template <class Policy>
class LinearInstance final : public KernelInstance, public OutputReadback {
 public:
  // `device` points into in.device arrays, `host` into in.extra (same values).
  LinearInstance(const InstanceRequest& req, const AttentionShape& s, LinearInputs in,
                 const Policy& device, const Policy& host, int chunk, LinearMode mode,
                 ExtraBranch extra = {})
      : s_(s), dtype_(req.dtype), in_(std::move(in)), host_(host), attn_(s, device, chunk, mode),
        extra_(std::move(extra)) {
    const DeviceQkv<> qkv = upload_qkv(s, in_.q, in_.k, in_.v);
    q_ = qkv.q, k_ = qkv.k, v_ = qkv.v;
    o_ = output_view(s);
  }

  void run() override {
    attn_(q_, k_, v_, o_);
    if (extra_.run) extra_.run(q_, k_, v_, o_);
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
    auto want = oracle_rows(s_, host_, in_.q, in_.k, in_.v, rows);
    if (extra_.oracle) {
      auto add = extra_.oracle(in_, rows);
      for (std::size_t n = 0; n < want.size(); ++n) want[n] += add[n];
    }
    return compare_with_oracle(got, want, oracle_tolerance(dtype_, s_.head_dim + s_.seq_kv));
  }

  const LinearInputs& inputs() const { return in_; }

 private:
  AttentionShape s_;
  DType dtype_;
  LinearInputs in_;
  Policy host_;
  LinearAttention<Policy> attn_;
  ExtraBranch extra_;
  View4<const float> q_, k_, v_;
  View4<float> o_;
};

}  // namespace linear
}  // namespace moat::attention
