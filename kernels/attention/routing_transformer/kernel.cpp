// attention.routing_transformer: random Q/K/V, seeded centroids, the routed kernel
// (routing.hpp), and the check: (1) the kernel's cluster of every key and of each sampled query
// equals the float64 twin's (argmax, ties to the lower centroid) or differs only by a near-tie
// within the float rounding bound of the two dot products (the oracle then follows the kernel's
// equally valid choice); any other difference fails; (2) the output equals the float64 oracle
// masked to same-cluster (causal) keys.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kernels/attention/common/device_qkv.hpp"
#include "kernels/attention/common/oracle.hpp"
#include "kernels/attention/routing_transformer/routing.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"

namespace moat::variants::attention_routing_transformer {

namespace {

using attention::AttentionShape;

class RoutingInstance final : public KernelInstance {
 public:
  explicit RoutingInstance(const InstanceRequest& req)
      : s_(attention::shape_from(req.params)), dtype_(req.dtype),
        clusters_(int(req.params.i("clusters"))), causal_(req.params.b("causal")) {
    hq_ = random_values(s_.q_elems(), dtype_, req.seed * 3 + 0);
    hk_ = random_values(s_.k_elems(), dtype_, req.seed * 3 + 1);
    hv_ = random_values(s_.v_elems(), dtype_, req.seed * 3 + 2);
    mu_ = attention::routing_centroids(s_.heads_kv, clusters_, s_.head_dim,
                                       std::uint64_t(req.params.i("centroid_seed")));
    const auto qkv = attention::upload_qkv(s_, hq_, hk_, hv_);
    q_ = qkv.q, k_ = qkv.k, v_ = qkv.v;
    o_ = attention::output_view(s_);
    routed_ = attention::RoutedAttention(s_, clusters_, causal_, mu_);
  }

  void run() override { routed_.run(q_, k_, v_, o_); }

  CheckReport check() override {
    poison(o_);
    run();
    Kokkos::fence();
    const std::vector<float> out = download(o_);
    const std::vector<int> kcl = download(routed_.kcl), qcl = download(routed_.qcl);
    const auto rows = rows_to_check(s_.rows());

    // (1) assignments: every key, the sampled queries.
    Verdict ver;
    std::vector<int> key_cluster(kcl.size());
    for (std::size_t t = 0; t < kcl.size(); ++t) {
      const int hk = int(t / s_.seq_kv % s_.heads_kv);
      key_cluster[t] = ver.judge(&hk_[t * s_.head_dim], hk, kcl[t], "key", std::int64_t(t), *this);
    }
    std::vector<int> query_cluster(qcl.size(), -1);
    for (auto r : rows) {
      const int h = int(r / s_.seq_q % s_.heads_q);
      query_cluster[r] = ver.judge(&hq_[r * s_.head_dim], h / s_.group(), qcl[r], "query", r, *this);
    }

    // (2) the output against the oracle masked by those clusters.
    std::vector<float> got;
    got.reserve(rows.size() * s_.value_dim);
    for (auto r : rows)
      got.insert(got.end(), out.begin() + r * s_.value_dim, out.begin() + (r + 1) * s_.value_dim);
    const int off = s_.seq_kv - s_.seq_q;
    auto visible = [&](int b, int h, int i, int j) {
      if (causal_ && j > i + off) return false;
      const std::int64_t row = (std::int64_t(b) * s_.heads_q + h) * s_.seq_q + i;
      const std::int64_t key = (std::int64_t(b) * s_.heads_kv + h / s_.group()) * s_.seq_kv + j;
      return query_cluster[row] == key_cluster[key];
    };
    bool any_visible = false;  // all sampled rows seeing nothing (e.g. C >> n) is legitimate
    for (auto r : rows) {
      const auto ri = attention::row_index(s_, r);
      for (int j = 0; j < s_.seq_kv && !any_visible; ++j) any_visible = visible(ri.b, ri.h, ri.i, j);
    }
    const auto want = attention::oracle_softmax_rows(
        s_, hq_, hk_, hv_, rows, visible, [](int, int, int, int, double x) { return x; });
    CheckReport rep = compare_with_oracle(
        got, want, oracle_tolerance(dtype_, s_.head_dim + s_.seq_kv), !any_visible);
    if (ver.mismatches > 0) {
      rep.ok = false;
      rep.detail = std::to_string(ver.mismatches) + " tokens routed to another cluster than the " +
                   "float64 twin (first: " + ver.first + "); " + rep.detail;
    }
    return rep;
  }

  // Measured routing balance of the last run: the largest key cluster over the mean size n / C
  // (the cost model assumes 1: evenly filled clusters).
  std::map<std::string, double> counters() const override {
    const std::vector<int> counts = download(routed_.kcount);
    int largest = 0;
    for (int c : counts) largest = std::max(largest, c);
    return {{"key_cluster_max_over_mean", double(largest) * clusters_ / s_.seq_kv}};
  }

 private:
  // Compares a kernel's cluster with the twin's; returns the cluster the oracle should use.
  struct Verdict {
    int mismatches = 0, near_ties = 0;
    std::string first;
    int judge(const float* x, int hk, int got, const char* what, std::int64_t index,
              const RoutingInstance& in) {
      const int C = in.clusters_, D = in.s_.head_dim;
      const float* mu = in.mu_.data() + std::int64_t(hk) * C * D;
      const int want = attention::host_nearest_centroid(x, mu, C, D);
      if (got == want) return want;
      if (got >= 0 && got < C && attention::routing_near_tie(x, mu, D, got, want)) {
        ++near_ties;
        return got;
      }
      if (mismatches++ == 0)
        first = std::string(what) + " " + std::to_string(index) + ": kernel cluster " +
                std::to_string(got) + ", twin " + std::to_string(want);
      return want;
    }
  };

  AttentionShape s_;
  DType dtype_;
  int clusters_;
  bool causal_;
  std::vector<float> hq_, hk_, hv_, mu_;
  View4<const float> q_, k_, v_;
  View4<float> o_;
  attention::RoutedAttention routed_;
};

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  return std::make_unique<RoutingInstance>(req);
}

}  // namespace moat::variants::attention_routing_transformer
