// attention.dense through cuBLAS, unfused (CUDA builds): S = scale Q K^T as strided-batched
// SGEMMs (one call per member of a GQA group, batched over (batch, KV head)), a row softmax with
// the causal mask as a Kokkos team kernel, and O = P V batched the same way: the vendor baseline
// on the GPU, as oneDNN's unfused chain is on the CPU. fp32 (CUBLAS_DEFAULT_MATH: no TF32); S
// holds batch * heads_q * seq_q * seq_kv floats. Runs on Kokkos' CUDA stream, which the harness's
// CUDA events time. Row-major C = A B is computed as column-major C^T = B^T A^T.
#include "core/error.hpp"
#include "kernels/attention/common/causal_mask.hpp"
#include "kernels/attention/common/host_mask.hpp"
#include "kernels/common/cublas_handle.hpp"

namespace moat::variants::attention_dense {
namespace {

const InstanceRequest& fp32_only(const InstanceRequest& req) {
  if (req.dtype != DType::fp32)
    throw UnsupportedCase("cublas baseline of attention.dense: fp32 only");
  return req;
}

// One team per score row: max and sum over the visible keys, then normalized weights (zeros for
// masked keys and for rows that see nothing). A free function: CUDA's extended lambdas may not
// sit in private members.
void softmax_rows(const View1<float>& scores, const attention::AttentionShape& s,
                  const attention::CausalOrFull& mask) {
  const int seq_q = s.seq_q, seq_kv = s.seq_kv;
  Kokkos::parallel_for(
      "moat::cublas_baseline::softmax", TeamPolicy(int(s.rows()), Kokkos::AUTO),
      KOKKOS_LAMBDA(const TeamMember& team) {
        const std::int64_t r = team.league_rank();
        const int end = kx::max(0, mask.key_end(0, 0, int(r % seq_q)));
        float* row = scores.data() + r * seq_kv;
        float m = kx::lowest_float();
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(team, end),
            [&](int j, float& acc) { acc = kx::max(acc, row[j]); }, Kokkos::Max<float>(m));
        float l = 0.f;
        Kokkos::parallel_reduce(
            Kokkos::TeamThreadRange(team, end),
            [&](int j, float& acc) { acc += kx::exp(row[j] - m); }, l);
        const float inv_l = end > 0 ? 1.f / l : 0.f;
        team.team_barrier();
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, seq_kv),
                             [&](int j) { row[j] = j < end ? kx::exp(row[j] - m) * inv_l : 0.f; });
      });
}

class CublasAttention final : public KernelInstance {
 public:
  explicit CublasAttention(const InstanceRequest& req)
      : mask_(attention::CausalOrFull::of(attention::shape_from(fp32_only(req).params),
                                          req.params.b("causal"))),
        c_(req, attention::shape_from(req.params), attention::host_mask_of(mask_), false) {
    const auto& s = c_.shape();
    scores_ = View1<float>("scores", std::size_t(s.batch) * s.heads_q * s.seq_q * s.seq_kv);
  }

  void run() override {
    const auto& s = c_.shape();
    const int group = s.group(), batches = s.batch * s.heads_kv;
    const std::int64_t q_head = std::int64_t(s.seq_q) * s.head_dim;
    const std::int64_t k_head = std::int64_t(s.seq_kv) * s.head_dim;
    const std::int64_t v_head = std::int64_t(s.seq_kv) * s.value_dim;
    const std::int64_t s_head = std::int64_t(s.seq_q) * s.seq_kv;
    const std::int64_t o_head = std::int64_t(s.seq_q) * s.value_dim;
    const float scale = s.scale, one = 1.f, zero = 0.f;
    // Query head h = hk * group + member reads KV head hk: per member, a batch over (b, hk).
    for (int member = 0; member < group; ++member)
      cublas_.check(cublasSgemmStridedBatched(
                        cublas_.get(), CUBLAS_OP_T, CUBLAS_OP_N, s.seq_kv, s.seq_q, s.head_dim,
                        &scale, c_.k.data(), s.head_dim, k_head, c_.q.data() + member * q_head,
                        s.head_dim, group * q_head, &zero, scores_.data() + member * s_head,
                        s.seq_kv, group * s_head, batches),
                    "cublasSgemmStridedBatched (scores)");
    softmax_rows(scores_, s, mask_);
    for (int member = 0; member < group; ++member)
      cublas_.check(cublasSgemmStridedBatched(cublas_.get(), CUBLAS_OP_N, CUBLAS_OP_N, s.value_dim,
                                              s.seq_q, s.seq_kv, &one, c_.v.data(), s.value_dim,
                                              v_head, scores_.data() + member * s_head, s.seq_kv,
                                              group * s_head, &zero, c_.o.data() + member * o_head,
                                              s.value_dim, group * o_head, batches),
                    "cublasSgemmStridedBatched (values)");
  }

  CheckReport check() override {
    return c_.check([&] { run(); });
  }

 private:
  attention::CausalOrFull mask_;
  attention::SoftmaxAttentionCase<> c_;
  View1<float> scores_;
  CublasHandle cublas_{"cublas baseline of attention.dense"};
};

}  // namespace

std::unique_ptr<KernelInstance> make_cublas(const InstanceRequest& req) {
  return std::make_unique<CublasAttention>(req);
}

}  // namespace moat::variants::attention_dense
