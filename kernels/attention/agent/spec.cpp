// attention.agent — Agent attention, non-causal: n_agents agent tokens A = AdaptiveAvgPool(Q)
// (per head, over the query sequence) first aggregate from the keys, then broadcast to queries:
//   V_A = softmax_keys(scale A K^T) V                (agent aggregation, per agent)
//   O   = softmax_agents(scale Q A^T) V_A            (agent broadcast, per query)
// i.e. the softmax-state skeleton with the n_agents logits A_a . k as features (same state and
// merge as attention.efficient). The paper's agent bias and depthwise-conv term on V are left
// out (position terms outside the attention kernel).
#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/linear_spec.hpp"

namespace moat::variants::attention_agent {

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.agent";
  v.family = "attention/linear";
  v.summary = "agent attention: pooled-query agent tokens; softmax(A K^T) V then softmax(Q A^T) V_A";
  v.reference = "Han et al. 2024, Agent Attention: On the Integration of Softmax and Linear Attention";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("n_agents", "agent tokens pooled from the queries (paper: 49 = 7x7)", 49, 1, 4096));
  for (auto& p : attention::linear::mode_schema()) v.params.push_back(p);
  v.validate = [](const Params& p) {
    attention::validate_shape(p);
    if (p.i("n_agents") > p.i("seq_q"))
      throw Error("n_agents (" + std::to_string(p.i("n_agents")) + ") pools the queries: at most seq_q (" +
                  std::to_string(p.i("seq_q")) + ")");
  };
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    const int a = int(p.i("n_agents"));
    Cost c = attention::linear::softmax_state_cost(s, dt, a, 2.0 * s.head_dim,
                                                   attention::linear::is_chunked(p), int(p.i("chunk")));
    c.flops_vector += double(s.q_elems());         // pooling
    c.bytes_dram += double(s.q_elems()) * bytes_of(dt) + double(s.batch) * s.heads_q * a * s.head_dim * 4.0;
    c.launches += 1;
    return c;
  };
  v.test_shapes = attention::linear::test_shapes({{"n_agents", 1}});
  v.test_shapes.push_back({{"seq_q", 45}, {"seq_kv", 45}, {"n_agents", 7}, {"heads_q", 6},
                           {"heads_kv", 2}, {"head_dim", 12}, {"mode", std::string("recurrent")}});
  v.test_shapes.push_back({{"seq_q", 130}, {"seq_kv", 70}, {"n_agents", 16}, {"heads_q", 2},
                           {"heads_kv", 1}, {"head_dim", 16}, {"chunk", 32}});
  return v;
}

}  // namespace moat::variants::attention_agent
