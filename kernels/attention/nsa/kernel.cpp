// attention.nsa instance: pool K (gate) and V -> compressed branch (flash over block means) ->
// per-token block selection -> selected branch (block-sparse flash) -> window branch (flash) ->
// gated sum. The math is in spec.cpp.
#include <cmath>

#include "kernels/attention/common/block_sparse_gate.hpp"
#include "kernels/attention/common/device_qkv.hpp"
#include "kernels/attention/sliding_window/policy.hpp"

namespace moat::variants::attention_nsa {

attention::BlockGeometry geometry(const Params& p);
std::vector<double> branch_gates(int heads_q, std::uint64_t seed);

// Compressed key c (the mean of key block c) is visible to position p once the block is complete.
struct CompleteBlocks {
  int block, offset;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return (i + offset + 1) / block; }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const { return j < key_end(0, 0, i); }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

class NsaInstance final : public KernelInstance {
 public:
  explicit NsaInstance(const InstanceRequest& req)
      : s_(attention::shape_from(req.params)),
        geo_(geometry(req.params)),
        window_(int(req.params.i("window"))),
        dtype_(req.dtype),
        gate_(s_, geo_, int(req.params.i("top_k"))),
        hg_(branch_gates(s_.heads_q, req.seed)) {
    hq_ = random_values(s_.q_elems(), dtype_, req.seed * 3 + 0);
    hk_ = random_values(s_.k_elems(), dtype_, req.seed * 3 + 1);
    hv_ = random_values(s_.v_elems(), dtype_, req.seed * 3 + 2);
    const auto qkv = attention::upload_qkv(s_, hq_, hk_, hv_);
    q_ = qkv.q, k_ = qkv.k, v_ = qkv.v;
    vmean_ = View4<float>("nsa_vmean", s_.batch, s_.heads_kv, geo_.key_blocks(), s_.value_dim);
    for (auto& o : o_) o = attention::output_view(s_, "nsa_branch");
    out_ = attention::output_view(s_);
    lists_ = attention::BlockLists(s_, geo_, gate_.width);
    std::vector<float> gf(hg_.begin(), hg_.end());
    View2<float> g("nsa_gates", s_.heads_q, 3);
    upload(g, gf);
    gates_ = g;
  }

  void run() override {
    gate_.select(q_, k_, lists_);  // also leaves the compressed keys in gate_.kmean
    attention::PooledGate::pool("moat::attention::nsa_pool_v", v_, vmean_, {}, {}, geo_.block, 0, 0);
    attention::AttentionShape sc = s_;
    sc.seq_kv = geo_.key_blocks();
    attention::flash_forward(q_, gate_.kmean, vmean_, o_[0], sc,
                             CompleteBlocks{geo_.block, s_.seq_kv - s_.seq_q});
    attention::block_sparse_attention(q_, k_, v_, o_[1], s_, geo_, lists_);
    attention::flash_forward(q_, k_, v_, o_[2], s_,
                             attention::SlidingWindow{s_.seq_kv, s_.seq_kv - s_.seq_q, window_, true});
    auto a = o_[0], b = o_[1], c = o_[2], out = out_;
    auto g = gates_;
    const int H = s_.heads_q, S = s_.seq_q, D = s_.value_dim;
    Kokkos::parallel_for(
        "moat::attention::nsa_combine", RangePolicy(0, int(out.size())), KOKKOS_LAMBDA(int idx) {
          const int d = idx % D, i = idx / D % S, h = idx / D / S % H, bb = idx / D / S / H;
          out(bb, h, i, d) = g(h, 0) * a(bb, h, i, d) + g(h, 1) * b(bb, h, i, d) + g(h, 2) * c(bb, h, i, d);
        });
  }

  CheckReport check() override {
    poison(out_);
    run();
    Kokkos::fence();
    const std::vector<float> out = download(out_);
    const auto rows = rows_to_check(s_.rows());
    std::vector<float> got;
    for (auto r : rows)
      got.insert(got.end(), out.begin() + r * s_.value_dim, out.begin() + (r + 1) * s_.value_dim);
    const attention::HostQK in{s_, hq_, hk_};
    const auto twin = attention::twin_lists(gate_, in, rows, download(lists_.sel));
    const int off = s_.seq_kv - s_.seq_q, block = geo_.block, w = window_;
    const int heads = s_.heads_q, seq_q = s_.seq_q;
    auto plain = [](int, int, int, int, double x) { return x; };
    // Compressed branch: block means in double (rounded to float for the oracle's inputs).
    attention::AttentionShape sc = s_;
    sc.seq_kv = geo_.key_blocks();
    std::vector<float> kc, vc;
    for (int b = 0; b < s_.batch; ++b)
      for (int hk = 0; hk < s_.heads_kv; ++hk)
        for (int c = 0; c < sc.seq_kv; ++c) {
          const int r0 = c * block, r1 = std::min(s_.seq_kv, r0 + block);
          for (double x : attention::host_row_mean(
                   attention::host_slice(hk_, b, hk, s_.heads_kv, s_.seq_kv, s_.head_dim), r0, r1, s_.head_dim))
            kc.push_back(float(x));
          for (double x : attention::host_row_mean(
                   attention::host_slice(hv_, b, hk, s_.heads_kv, s_.seq_kv, s_.value_dim), r0, r1, s_.value_dim))
            vc.push_back(float(x));
        }
    auto cmp = attention::oracle_softmax_rows(
        sc, hq_, kc, vc, rows, [&](int, int, int i, int c) { return c < (i + off + 1) / block; }, plain);
    auto sel = attention::oracle_softmax_rows(
        s_, hq_, hk_, hv_, rows,
        [&](int b, int h, int i, int j) {
          return j <= i + off && twin.chosen.at((std::int64_t(b) * heads + h) * seq_q + i)[j / block];
        },
        plain);
    auto win = attention::oracle_softmax_rows(
        s_, hq_, hk_, hv_, rows, [&](int, int, int i, int j) { return j <= i + off && j > i + off - w; },
        plain);
    std::vector<double> want(cmp.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const int h = attention::row_index(s_, rows[r]).h;
      for (int d = 0; d < s_.value_dim; ++d) {
        const std::size_t e = r * s_.value_dim + d;
        want[e] = hg_[h * 3 + 0] * cmp[e] + hg_[h * 3 + 1] * sel[e] + hg_[h * 3 + 2] * win[e];
      }
    }
    return twin.verdict(
        compare_with_oracle(got, want, oracle_tolerance(dtype_, s_.head_dim + s_.seq_kv)));
  }

 private:
  attention::AttentionShape s_;
  attention::BlockGeometry geo_;
  int window_;
  DType dtype_;
  attention::PooledGate gate_;
  std::vector<double> hg_;  // [heads_q][3]: compressed, selected, window
  std::vector<float> hq_, hk_, hv_;
  View4<const float> q_, k_, v_;
  View4<float> vmean_, out_;
  View4<float> o_[3];
  View2<const float> gates_;
  attention::BlockLists lists_;
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  return std::make_unique<NsaInstance>(req);
}

}  // namespace moat::variants::attention_nsa
