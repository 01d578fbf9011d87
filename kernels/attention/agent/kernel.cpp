#include "kernels/attention/common/linear_softmax_instance.hpp"

namespace moat::variants::attention_agent {

using namespace attention::linear;

// Logits against the agent tokens of (b, h): agents [batch][heads_q][n_agents][head_dim].
template <class W>
struct AgentLogits {
  const W* agents;
  int heads_q, n_agents, dim;
  float scale;
  KOKKOS_INLINE_FUNCTION int features() const { return n_agents; }
  template <class T>
  KOKKOS_INLINE_FUNCTION T dot(int b, int h, const float* x, int a) const {
    const W* ar = agents + ((static_cast<long>(b) * heads_q + h) * n_agents + a) * dim;
    T acc = T(0);
    for (int d = 0; d < dim; ++d) acc += T(ar[d]) * T(x[d]);
    return acc * T(scale);
  }
  template <class T>
  KOKKOS_INLINE_FUNCTION T key_logit(int b, int h, const float* k, int a) const { return dot<T>(b, h, k, a); }
  template <class T>
  KOKKOS_INLINE_FUNCTION T query_logit(int b, int h, const float* q, int a) const { return dot<T>(b, h, q, a); }
};

// Adaptive average pooling (PyTorch's bins): agent a averages queries [a n / A, ceil((a+1) n / A)).
KOKKOS_INLINE_FUNCTION int pool_begin(int a, int n, int agents) { return a * n / agents; }
KOKKOS_INLINE_FUNCTION int pool_end(int a, int n, int agents) { return ((a + 1) * n + agents - 1) / agents; }

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  const int A = int(req.params.i("n_agents"));
  auto in = random_linear_inputs(s, req.dtype, req.seed);
  auto host_agents = std::make_shared<std::vector<double>>(std::size_t(s.batch) * s.heads_q * A * s.head_dim, 0.0);
  for (int bh = 0; bh < s.batch * s.heads_q; ++bh)
    for (int a = 0; a < A; ++a) {
      const int i0 = pool_begin(a, s.seq_q, A), i1 = pool_end(a, s.seq_q, A);
      for (int i = i0; i < i1; ++i)
        for (int d = 0; d < s.head_dim; ++d)
          (*host_agents)[(std::size_t(bh) * A + a) * s.head_dim + d] +=
              double(in.q[(std::size_t(bh) * s.seq_q + i) * s.head_dim + d]) / (i1 - i0);
    }
  View3<float> agents("agent_tokens", s.batch * s.heads_q, A, s.head_dim);
  auto pool = [agents, s, A](const View4<const float>& q) {
    const int heads_q = s.heads_q, n = s.seq_q, dim = s.head_dim;
    Kokkos::parallel_for(
        "moat::attention::agent_pool", RangePolicy(0, s.batch * heads_q * A),
        KOKKOS_LAMBDA(int idx) {
          const int a = idx % A, bh = idx / A, b = bh / heads_q, h = bh % heads_q;
          const int i0 = pool_begin(a, n, A), i1 = pool_end(a, n, A);
          for (int d = 0; d < dim; ++d) {
            float acc = 0.f;
            for (int i = i0; i < i1; ++i) acc += q(b, h, i, d);
            agents(bh, a, d) = acc / float(i1 - i0);
          }
        });
  };
  const AgentLogits<float> dev{agents.data(), s.heads_q, A, s.head_dim, s.scale};
  // The host policy points into host_agents, kept alive by the prepare closure.
  const AgentLogits<double> host{host_agents->data(), s.heads_q, A, s.head_dim, s.scale};
  return std::make_unique<SoftmaxStateInstance<AgentLogits<float>, AgentLogits<double>>>(
      req, s, std::move(in), dev, host, int(req.params.i("chunk")), is_chunked(req.params),
      [pool, host_agents](const View4<const float>& q) { pool(q); });
}

}  // namespace moat::variants::attention_agent
