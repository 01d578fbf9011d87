#pragma once
// Instances of the decode skeleton: seeded Q/K/V of the logical sequence (shape.hpp layout), the
// float64 oracle over the keys a variant keeps, and the contiguous-cache instance used by
// split-KV and stream-K decode.
#include <functional>
#include <memory>
#include <string>

#include "kernels/attention/common/decode_skeleton.hpp"
#include "kernels/attention/common/oracle.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"

namespace moat::attention {

struct DecodeHostData {
  std::vector<float> q, k, v;
};

inline DecodeHostData random_decode_data(const AttentionShape& s, DType dt, std::uint64_t seed) {
  return {random_values(s.q_elems(), dt, seed * 3 + 0),
          random_values(s.k_elems(), dt, seed * 3 + 1),
          random_values(s.v_elems(), dt, seed * 3 + 2)};
}

// Host values in a device view of storage type S (rounded to it: they are already representable).
template <class S = float>
View4<const S> device4(const std::string& label, const std::vector<float>& host, int n0, int n1,
                       int n2, int n3) {
  View4<S> v(label, n0, n1, n2, n3);
  upload(v, host);
  return v;
}

// Runs nothing: compares o (already computed) with softmax attention of the logical sequence
// over the keys visible(b, h, i, j) keeps.
template <class T>
CheckReport check_decode_output(const View4<T>& o, const AttentionShape& s, DType dt,
                                const DecodeHostData& h,
                                const std::function<bool(int, int, int, int)>& visible) {
  const std::vector<float> out = download_floats(o);
  auto rows = rows_to_check(s.rows());
  std::vector<float> got;
  for (auto r : rows)
    got.insert(got.end(), out.begin() + r * s.value_dim, out.begin() + (r + 1) * s.value_dim);
  auto want = oracle_softmax_rows(s, h.q, h.k, h.v, rows, visible,
                                  [](int, int, int, int, double x) { return x; });
  bool any_visible = false;  // rows of a causal multi-token step may legitimately see nothing
  for (auto r : rows) {
    RowIndex ri = row_index(s, r);
    for (int j = 0; j < s.seq_kv && !any_visible; ++j) any_visible = visible(ri.b, ri.h, ri.i, j);
  }
  return compare_with_oracle(got, want, oracle_tolerance(dt, s.head_dim + s.seq_kv), !any_visible);
}

inline std::function<bool(int, int, int, int)> causal_visible(const AttentionShape& s,
                                                              bool causal) {
  const int offset = s.seq_kv - s.seq_q;
  return [=](int, int, int i, int j) { return !causal || j <= i + offset; };
}

// K/V contiguous in the shape.hpp layout, stored as T; the schedule is the variant's (split-KV,
// stream-K).
template <class T>
class ContiguousDecodeInstance final : public KernelInstance {
 public:
  ContiguousDecodeInstance(const InstanceRequest& req, const AttentionShape& s, bool causal,
                           const DecodeSchedule& schedule)
      : s_(s),
        causal_(causal),
        dtype_(req.dtype),
        host_(random_decode_data(s, req.dtype, req.seed)),
        plan_(schedule, s) {
    q_ = device4<T>("q", host_.q, s.batch, s.heads_q, s.seq_q, s.head_dim);
    kv_ = ContiguousKVOf<T>{device4<T>("k", host_.k, s.batch, s.heads_kv, s.seq_kv, s.head_dim),
                            device4<T>("v", host_.v, s.batch, s.heads_kv, s.seq_kv, s.value_dim)};
    o_ = View4<T>("o", s.batch, s.heads_q, s.seq_q, s.value_dim);
    counters_ = {{"partials", double(schedule.slots())}, {"teams", double(schedule.teams())}};
  }
  void run() override { decode_attention(q_, kv_, o_, s_, causal_, plan_); }
  CheckReport check() override {
    poison(o_);
    run();
    Kokkos::fence();
    return check_decode_output(o_, s_, dtype_, host_, causal_visible(s_, causal_));
  }
  std::map<std::string, double> counters() const override { return counters_; }

 private:
  AttentionShape s_;
  bool causal_;
  DType dtype_;
  DecodeHostData host_;
  DecodePlan plan_;
  View4<const T> q_;
  ContiguousKVOf<T> kv_;
  View4<T> o_;
  std::map<std::string, double> counters_;
};

// The contiguous-cache instance in the case's storage type.
inline std::unique_ptr<KernelInstance> make_contiguous_decode(const InstanceRequest& req,
                                                              const AttentionShape& s, bool causal,
                                                              const DecodeSchedule& schedule) {
  return with_storage(req.dtype, [&](auto t) -> std::unique_ptr<KernelInstance> {
    return std::make_unique<ContiguousDecodeInstance<decltype(t)>>(req, s, causal, schedule);
  });
}

}  // namespace moat::attention
