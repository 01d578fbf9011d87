#include <algorithm>

#include "kernels/attention/common/decode_instance.hpp"

namespace moat::variants::attention_sink_window_decode {

// Cache slot of position p: sinks stay in place, the rest rotate through the window ring.
KOKKOS_INLINE_FUNCTION int ring_slot(int p, int sinks, int window) {
  return p < sinks ? p : sinks + (p - sinks) % window;
}

class SinkWindowDecodeInstance final : public KernelInstance {
 public:
  SinkWindowDecodeInstance(const InstanceRequest& req, const attention::AttentionShape& logical,
                           int sinks, int window)
      : s_(logical), sinks_(sinks), window_(window), dtype_(req.dtype),
        host_(attention::random_decode_data(logical, req.dtype, req.seed)),
        cache_shape_(logical),
        plan_(attention::split_kv_schedule(logical.batch, logical.heads_kv,
                                           std::min(logical.seq_kv, sinks + window), 1),
              logical) {
    const auto& s = s_;
    const int capacity = sinks + window, p = s.seq_kv - 1;
    cache_shape_.seq_kv = std::min(s.seq_kv, capacity);
    // The cache as the previous steps left it: positions 0 .. p-1 inserted in order.
    std::vector<float> kc(std::size_t(s.batch) * s.heads_kv * capacity * s.head_dim, 0.f);
    std::vector<float> vc(std::size_t(s.batch) * s.heads_kv * capacity * s.value_dim, 0.f);
    std::vector<float> kn, vn;  // the new token's K/V
    for (int b = 0; b < s.batch; ++b)
      for (int hk = 0; hk < s.heads_kv; ++hk) {
        const std::size_t head = std::size_t(b) * s.heads_kv + hk;
        for (int j = 0; j <= p; ++j) {
          const float* kr = &host_.k[(head * s.seq_kv + j) * s.head_dim];
          const float* vr = &host_.v[(head * s.seq_kv + j) * s.value_dim];
          if (j == p) {
            kn.insert(kn.end(), kr, kr + s.head_dim);
            vn.insert(vn.end(), vr, vr + s.value_dim);
            break;
          }
          const std::size_t slot = head * capacity + ring_slot(j, sinks, window);
          std::copy_n(kr, s.head_dim, &kc[slot * s.head_dim]);
          std::copy_n(vr, s.value_dim, &vc[slot * s.value_dim]);
        }
      }
    k_cache_ = View4<float>("k_cache", s.batch, s.heads_kv, capacity, s.head_dim);
    v_cache_ = View4<float>("v_cache", s.batch, s.heads_kv, capacity, s.value_dim);
    upload(k_cache_, kc);
    upload(v_cache_, vc);
    k_new_ = View3<float>("k_new", s.batch, s.heads_kv, s.head_dim);
    v_new_ = View3<float>("v_new", s.batch, s.heads_kv, s.value_dim);
    upload(k_new_, kn);
    upload(v_new_, vn);
    q_ = attention::device4("q", host_.q, s.batch, s.heads_q, s.seq_q, s.head_dim);
    o_ = View4<float>("o", s.batch, s.heads_q, s.seq_q, s.value_dim);
  }

  void run() override {
    const int slot = ring_slot(s_.seq_kv - 1, sinks_, window_), heads_kv = s_.heads_kv;
    const int dk = s_.head_dim, dv = s_.value_dim;
    auto kc = k_cache_, vc = v_cache_;
    auto kn = k_new_, vn = v_new_;
    Kokkos::parallel_for(
        "moat::attention::sink_window_append", RangePolicy(0, s_.batch * heads_kv),
        KOKKOS_LAMBDA(int bh) {
          const int b = bh / heads_kv, hk = bh % heads_kv;
          for (int d = 0; d < dk; ++d) kc(b, hk, slot, d) = kn(b, hk, d);
          for (int d = 0; d < dv; ++d) vc(b, hk, slot, d) = vn(b, hk, d);
        });
    attention::decode_attention(q_, attention::ContiguousKV{k_cache_, v_cache_}, o_, cache_shape_,
                                false, plan_);
  }

  CheckReport check() override {
    poison(o_);
    run();
    Kokkos::fence();
    const int p = s_.seq_kv - 1, sinks = sinks_, window = window_;
    return attention::check_decode_output(o_, s_, dtype_, host_, [=](int, int, int, int j) {
      return j < sinks || j > p - window;
    });
  }

  std::map<std::string, double> counters() const override {
    const double kept = cache_shape_.seq_kv;
    return {{"kept_tokens", kept}, {"evicted_tokens", s_.seq_kv - kept},
            {"cache_capacity", double(sinks_ + window_)}};
  }

 private:
  attention::AttentionShape s_;
  int sinks_, window_;
  DType dtype_;
  attention::DecodeHostData host_;
  attention::AttentionShape cache_shape_;  // seq_kv = tokens in the cache
  attention::DecodePlan plan_;
  View4<float> k_cache_, v_cache_;
  View3<float> k_new_, v_new_;
  View4<const float> q_;
  View4<float> o_;
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto& p = req.params;
  return std::make_unique<SinkWindowDecodeInstance>(req, attention::shape_from(p), int(p.i("sinks")),
                                                    int(p.i("window")));
}

}  // namespace moat::variants::attention_sink_window_decode
