#pragma once
// A KernelInstance for block-sparse variants: random Q/K/V, the variant's selector (device
// kernels writing per-row block lists), the block-sparse flash pass, and a check that (1) the
// kernel's lists equal the selector's float64 twin on sampled rows and (2) the output equals the
// float64 oracle restricted to the twin's blocks.
//
// A Selector provides:
//   BlockGeometry geo;  int width;
//   void select(q, k, lists) const;                       device: writes lists.sel
//   std::vector<int> host_list(const HostQK&, b, h, g);   float64 twin, ascending block ids
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "kernels/attention/common/block_sparse.hpp"
#include "kernels/attention/common/block_sparse_host.hpp"
#include "kernels/attention/common/device_qkv.hpp"
#include "kernels/attention/common/oracle.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"

namespace moat::attention {

struct HostQK {
  const AttentionShape& s;
  const std::vector<float>& q;
  const std::vector<float>& k;
};

// The float64 twin's lists for the sampled rows (as block marks, for the oracle's mask) and
// how many of them differ from the kernel's lists `dev_sel` [rows][width].
struct TwinLists {
  std::map<std::int64_t, std::vector<char>> chosen;  // flat row -> block selected?
  int mismatches = 0;
  std::string first;

  CheckReport verdict(CheckReport rep) const {
    if (mismatches > 0) {
      rep.ok = false;
      rep.detail = std::to_string(mismatches) + " sampled rows selected other blocks than the " +
                   "float64 twin (first: " + first + "); " + rep.detail;
    }
    return rep;
  }
};

template <class Selector>
TwinLists twin_lists(const Selector& sel, const HostQK& in, const std::vector<std::int64_t>& rows,
                     const std::vector<int>& dev_sel) {
  TwinLists out;
  std::map<std::tuple<int, int, int>, std::vector<int>> by_group;  // lists are per group
  for (auto r : rows) {
    const RowIndex ri = row_index(in.s, r);
    const auto key = std::make_tuple(ri.b, ri.h, sel.geo.group_of_row(ri.i));
    if (!by_group.count(key)) by_group[key] = sel.host_list(in, ri.b, ri.h, std::get<2>(key));
    const auto& want = by_group[key];
    std::vector<char> mark(sel.geo.key_blocks(), 0);
    for (int blk : want) mark[blk] = 1;
    out.chosen[r] = std::move(mark);
    for (int t = 0; t < sel.width; ++t) {
      const int dv = dev_sel[std::size_t(r) * sel.width + t];
      const int hv = t < int(want.size()) ? want[t] : -1;
      if (dv != hv) {
        if (out.mismatches++ == 0)
          out.first = "row " + std::to_string(r) + " slot " + std::to_string(t) + ": kernel block " +
                      std::to_string(dv) + ", twin " + std::to_string(hv);
        break;
      }
    }
  }
  return out;
}

template <class Selector>
class BlockSparseInstance final : public KernelInstance {
 public:
  BlockSparseInstance(const InstanceRequest& req, AttentionShape shape, Selector selector)
      : s_(shape), sel_(std::move(selector)), dtype_(req.dtype) {
    hq_ = random_values(s_.q_elems(), dtype_, req.seed * 3 + 0);
    hk_ = random_values(s_.k_elems(), dtype_, req.seed * 3 + 1);
    hv_ = random_values(s_.v_elems(), dtype_, req.seed * 3 + 2);
    const auto qkv = upload_qkv(s_, hq_, hk_, hv_);
    q_ = qkv.q, k_ = qkv.k, v_ = qkv.v;
    o_ = output_view(s_);
    lists_ = BlockLists(s_, sel_.geo, sel_.width);
  }

  void run() override {
    sel_.select(q_, k_, lists_);
    block_sparse_attention(q_, k_, v_, o_, s_, sel_.geo, lists_);
  }

  CheckReport check() override {
    poison(o_);
    run();
    Kokkos::fence();
    const std::vector<float> out = download(o_);
    const std::vector<int> dev_sel = download(lists_.sel);
    const auto rows = rows_to_check(s_.rows());
    std::vector<float> got;
    got.reserve(rows.size() * s_.value_dim);
    for (auto r : rows)
      got.insert(got.end(), out.begin() + r * s_.value_dim, out.begin() + (r + 1) * s_.value_dim);

    const TwinLists twin = twin_lists(sel_, HostQK{s_, hq_, hk_}, rows, dev_sel);
    const int block = sel_.geo.block, off = s_.seq_kv - s_.seq_q;
    const bool causal = sel_.geo.causal;
    const int seq_q = s_.seq_q, heads = s_.heads_q;
    auto visible = [&](int b, int h, int i, int j) {
      if (causal && j > i + off) return false;
      const std::int64_t flat = (std::int64_t(b) * heads + h) * seq_q + i;
      return twin.chosen.at(flat)[j / block] != 0;
    };
    auto want = oracle_softmax_rows(s_, hq_, hk_, hv_, rows, visible,
                                    [](int, int, int, int, double x) { return x; });
    CheckReport rep =
        compare_with_oracle(got, want, oracle_tolerance(dtype_, s_.head_dim + s_.seq_kv));
    return twin.verdict(rep);
  }

  // For property tests.
  std::vector<float> output() {
    run();
    Kokkos::fence();
    return download(o_);
  }
  std::vector<int> row_lists() const { return download(lists_.sel); }
  const View4<const float>& q() const { return q_; }
  const View4<const float>& k() const { return k_; }
  const View4<const float>& v() const { return v_; }
  const AttentionShape& shape() const { return s_; }
  const Selector& selector() const { return sel_; }

 private:
  AttentionShape s_;
  Selector sel_;
  DType dtype_;
  std::vector<float> hq_, hk_, hv_;
  View4<const float> q_, k_, v_;
  View4<float> o_;
  BlockLists lists_;
};

}  // namespace moat::attention
