// attention.routing_transformer — Routing Transformer attention (k-means routing). Each KV head
// has C unit-length centroids mu_c, shared by its keys and by the queries of its query heads.
// Every key and query goes to its nearest centroid (argmax of the dot product, ties to the lower
// c; on the unit sphere that is the nearest one):
//   cl(x) = argmax_c x . mu_c
// and a query attends only to the keys of its own cluster (causal: at or before its position
// p = i + seq_kv - seq_q):
//   O_i = sum_{j : cl(k_j) = cl(q_i), j <= p} softmax_j(scale q_i . k_j) v_j,
// zero when its cluster holds no visible key. One cluster is dense (causal) attention.
// Simplifications: the centroids are deterministic seeded (`centroid_seed`; the paper learns them
// by an exponential moving average of k-means updates), assignment is to the nearest centroid as
// in the paper's description (its released code instead gives each centroid its top n / C tokens,
// balanced clusters), no layer norm before routing (the argmax ignores |x| anyway), and every
// head routes (the paper mixes routing heads with local-attention heads).
// Kernel (routing.hpp): assign, counting sort by (cluster, position), gather, flash over each
// sorted row's cluster range, scatter back.
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"
#include "kernels/attention/routing_transformer/routing_host.hpp"

namespace moat::variants::attention_routing_transformer {

namespace {

// Routing around the flash pass, for the kernel's launches (routing.hpp).
Cost routing_overhead(const attention::AttentionShape& s, DType dtype, int clusters, bool causal) {
  const double bytes = bytes_of(dtype);
  const double keys = double(s.batch) * s.heads_kv * s.seq_kv;
  const double queries = double(s.rows());
  const double tokens = keys + queries;
  const double C = clusters;
  Cost c;
  // assign: one dot product of length head_dim per (token, centroid), argmax compare
  c.flops_matrix += 2.0 * tokens * C * s.head_dim;
  c.flops_vector += tokens * C;
  c.bytes_dram += (double(s.q_elems()) + s.k_elems()) * bytes + tokens * 4.0 +
                  double(s.heads_kv) * C * s.head_dim * 4.0;
  c.bytes_onchip += tokens * C * s.head_dim * 4.0;  // centroids re-read per token
  // sort: each (batch, head, cluster) thread scans its head's cluster ids twice
  c.flops_vector += 2.0 * C * tokens;
  c.bytes_onchip += 2.0 * C * tokens * 4.0;
  c.bytes_dram += tokens * 4.0 * 2 + double(s.batch) * s.heads_kv * C * 8.0;  // ids, perms, spans
  // gather: sorted copies of Q, K, V; per query a binary search in its cluster when causal
  c.bytes_dram += 2.0 * (double(s.q_elems()) + s.k_elems() + s.v_elems()) * bytes +
                  tokens * 4.0 + queries * 4.0 * 3;  // perms and cluster ids read, ranges written
  if (causal) c.flops_vector += queries * std::ceil(std::log2(s.seq_kv / C + 2.0));
  // scatter: sorted output back to positions
  c.bytes_dram += 2.0 * s.o_elems() * bytes + queries * 4.0;
  c.launches += 4;  // assign, sort, gather, scatter (flash counts its own)
  return c;
}

}  // namespace

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.routing_transformer";
  v.family = "attention/block-sparse";
  v.summary =
      "Routing Transformer: queries and keys routed to the nearest of C shared seeded centroids; "
      "softmax over the keys of the query's own cluster (causal optional)";
  v.reference =
      "Roy, Saffar, Vaswani, Grangier 2021, Efficient Content-Based Sparse Attention with Routing "
      "Transformers (TACL)";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("clusters", "k-means centroids C per KV head (paper: about sqrt(n))", 16, 1, 1 << 16));
  v.params.push_back(bool_param("causal", "queries see only keys at or before their position", true));
  v.params.push_back(int_param("centroid_seed", "seed of the centroids (learned in the paper)", 1, 0, 1 << 30));
  v.validate = [](const Params& p) {
    attention::validate_shape(p);
    if (p.b("causal") && p.i("seq_q") > p.i("seq_kv"))
      throw Error("seq_q (" + std::to_string(p.i("seq_q")) + ") must not exceed seq_kv (" +
                  std::to_string(p.i("seq_kv")) + ") when causal: queries are the last seq_q positions");
  };
  v.cost = [](const Params& p, DType dt) {
    const auto s = attention::shape_from(p);
    const int C = int(p.i("clusters"));
    const bool causal = p.b("causal");
    return attention::flash_cost(s, dt, attention::balanced_routed_range(s, C, causal)) +
           routing_overhead(s, dt, C, causal);
  };
  for (auto& sh : attention::edge_shapes({{"clusters", 4}})) v.test_shapes.push_back(sh);
  for (auto& sh : attention::edge_shapes({{"clusters", 3}, {"causal", false}}))
    v.test_shapes.push_back(sh);
  // More clusters than keys (empty clusters, queries that see nothing), one cluster (dense),
  // chunked prefill with many clusters, GQA with cluster tiles straddling query tiles.
  v.test_shapes.push_back({{"seq_q", 45}, {"seq_kv", 45}, {"clusters", 64}, {"heads_q", 2},
                           {"heads_kv", 1}, {"head_dim", 16}});
  v.test_shapes.push_back({{"seq_q", 70}, {"seq_kv", 130}, {"clusters", 1}, {"heads_q", 2},
                           {"heads_kv", 2}, {"head_dim", 32}});
  v.test_shapes.push_back({{"seq_q", 100}, {"seq_kv", 300}, {"clusters", 8}, {"heads_q", 4},
                           {"heads_kv", 2}, {"head_dim", 32}, {"centroid_seed", 7}});
  v.test_shapes.push_back({{"seq_q", 300}, {"seq_kv", 300}, {"clusters", 5}, {"heads_q", 4},
                           {"heads_kv", 1}, {"head_dim", 64}, {"causal", false}});
  return v;
}

}  // namespace moat::variants::attention_routing_transformer
