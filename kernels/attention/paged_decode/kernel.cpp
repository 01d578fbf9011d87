#include <numeric>

#include "kernels/attention/common/decode_instance.hpp"

namespace moat::variants::attention_paged_decode {

// Cache index j of sequence b -> row j % page_size of physical page table(b, j / page_size).
// Page sizes are powers of two in practice (16 ... 256): a shift and a mask then replace the
// division, which costs as much as the 16-byte load it addresses on GPUs.
template <class T>
struct PagedKV {
  View4<const T> k_pool, v_pool;  // [page][heads_kv][page_size][dim]
  View2<const int> table;         // [batch][pages per sequence]
  int page_size;
  int page_shift;  // log2(page_size), or -1 when page_size is not a power of two
  KOKKOS_INLINE_FUNCTION const T* key(int b, int hk, int j) const {
    return &k_pool(page(b, j), hk, offset(j), 0);
  }
  KOKKOS_INLINE_FUNCTION const T* value(int b, int hk, int j) const {
    return &v_pool(page(b, j), hk, offset(j), 0);
  }
  KOKKOS_INLINE_FUNCTION int page(int b, int j) const {
    return table(b, page_shift >= 0 ? j >> page_shift : j / page_size);
  }
  KOKKOS_INLINE_FUNCTION int offset(int j) const {
    return page_shift >= 0 ? j & (page_size - 1) : j % page_size;
  }
  static int shift_of(int page_size) {
    for (int k = 0; k < 31; ++k)
      if ((1 << k) == page_size) return k;
    return -1;
  }
};

template <class T>
class PagedDecodeInstance final : public KernelInstance {
 public:
  PagedDecodeInstance(const InstanceRequest& req, const attention::AttentionShape& s, int page_size,
                      int n_splits, bool causal)
      : s_(s),
        causal_(causal),
        dtype_(req.dtype),
        host_(attention::random_decode_data(s, req.dtype, req.seed)),
        plan_(attention::split_kv_schedule(s.batch, s.heads_kv, s.seq_kv, n_splits), s) {
    const int per_seq = (s.seq_kv + page_size - 1) / page_size, pages = s.batch * per_seq;
    std::vector<int> table(static_cast<std::size_t>(pages));  // a seeded shuffle of the pool
    std::iota(table.begin(), table.end(), 0);
    Rng rng(req.seed * 11 + 5);
    for (int n = pages - 1; n > 0; --n) std::swap(table[n], table[rng.below(n + 1)]);
    std::vector<float> kp(std::size_t(pages) * s.heads_kv * page_size * s.head_dim, 0.f);
    std::vector<float> vp(std::size_t(pages) * s.heads_kv * page_size * s.value_dim, 0.f);
    for (int b = 0; b < s.batch; ++b)
      for (int hk = 0; hk < s.heads_kv; ++hk)
        for (int j = 0; j < s.seq_kv; ++j) {
          const std::size_t row =
              (std::size_t(table[b * per_seq + j / page_size]) * s.heads_kv + hk) * page_size +
              j % page_size;
          const std::size_t src = (std::size_t(b) * s.heads_kv + hk) * s.seq_kv + j;
          std::copy_n(&host_.k[src * s.head_dim], s.head_dim, &kp[row * s.head_dim]);
          std::copy_n(&host_.v[src * s.value_dim], s.value_dim, &vp[row * s.value_dim]);
        }
    View2<int> t("block_table", s.batch, per_seq);
    upload(t, table);
    kv_ = PagedKV<T>{attention::device4<T>("k_pool", kp, pages, s.heads_kv, page_size, s.head_dim),
                     attention::device4<T>("v_pool", vp, pages, s.heads_kv, page_size, s.value_dim),
                     t, page_size, PagedKV<T>::shift_of(page_size)};
    q_ = attention::device4<T>("q", host_.q, s.batch, s.heads_q, s.seq_q, s.head_dim);
    o_ = View4<T>("o", s.batch, s.heads_q, s.seq_q, s.value_dim);
    counters_ = {{"pages", double(pages)}, {"page_fill", double(s.seq_kv) / (per_seq * page_size)}};
  }
  void run() override { attention::decode_attention(q_, kv_, o_, s_, causal_, plan_); }
  CheckReport check() override {
    poison(o_);
    run();
    Kokkos::fence();
    return attention::check_decode_output(o_, s_, dtype_, host_,
                                          attention::causal_visible(s_, causal_));
  }
  std::map<std::string, double> counters() const override { return counters_; }

 private:
  attention::AttentionShape s_;
  bool causal_;
  DType dtype_;
  attention::DecodeHostData host_;
  attention::DecodePlan plan_;
  PagedKV<T> kv_;
  View4<const T> q_;
  View4<T> o_;
  std::map<std::string, double> counters_;
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto& p = req.params;
  return with_storage(req.dtype, [&](auto t) -> std::unique_ptr<KernelInstance> {
    return std::make_unique<PagedDecodeInstance<decltype(t)>>(
        req, attention::shape_from(p), int(p.i("page_size")), int(p.i("n_splits")), p.b("causal"));
  });
}

}  // namespace moat::variants::attention_paged_decode
