// attention.dense through oneDNN, unfused: S = scale * Q K^T (+ causal mask) with the matmul
// primitive, softmax primitive over keys, O = P V with matmul: the vendor baseline the flash
// skeleton is measured against. One set of 2-D primitives is created up front and run per
// (batch, head) on the host. Threading: Debian's libdnnl 2.6 is built with OpenMP (libgomp), so
// OMP_NUM_THREADS=1 makes it single-threaded.
#include <oneapi/dnnl/dnnl.hpp>

#include "core/error.hpp"
#include "kernels/attention/common/oracle.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/check.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/random.hpp"
#include "kernels/common/views.hpp"

namespace moat::variants::attention_dense {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

class OneDnnAttention final : public KernelInstance {
 public:
  explicit OneDnnAttention(const InstanceRequest& req)
      : s_(attention::shape_from(req.params)), causal_(req.params.b("causal")), dtype_(req.dtype),
        eng_(dnnl::engine::kind::cpu, 0), strm_(eng_) {
    // The same inputs as the moat kernel's instance (same seeds, same rounding).
    q_ = random_values(s_.q_elems(), dtype_, req.seed * 3 + 0);
    k_ = random_values(s_.k_elems(), dtype_, req.seed * 3 + 1);
    v_ = random_values(s_.v_elems(), dtype_, req.seed * 3 + 2);
    o_.assign(s_.o_elems(), 0.f);
    scores_.assign(std::size_t(s_.seq_q) * s_.seq_kv, 0.f);
    const memory::dim m = s_.seq_q, n = s_.seq_kv, d = s_.head_dim, dv = s_.value_dim;
    memory::desc qd({m, d}, dt::f32, tag::ab), kd({d, n}, dt::f32, tag::ba);  // K^T view of K
    memory::desc sd({m, n}, dt::f32, tag::ab), vd({n, dv}, dt::f32, tag::ab);
    memory::desc od({m, dv}, dt::f32, tag::ab);
    dnnl::primitive_attr a1;
    a1.set_output_scales(0, {s_.scale});
    if (causal_) {  // additive mask, bottom-right aligned like the moat kernel
      mask_.assign(std::size_t(m) * n, 0.f);
      const int off = s_.seq_kv - s_.seq_q;
      for (int i = 0; i < s_.seq_q; ++i)
        for (int j = i + off + 1; j < s_.seq_kv; ++j)
          if (j >= 0) mask_[std::size_t(i) * n + j] = -INFINITY;
      dnnl::post_ops po;
      po.append_binary(dnnl::algorithm::binary_add, sd);
      a1.set_post_ops(po);
      mask_mem_ = memory(sd, eng_, mask_.data());
    }
    qk_ = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(qd, kd, sd), a1, eng_));
    softmax_ = dnnl::softmax_forward(dnnl::softmax_forward::primitive_desc(
        dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, sd, 1), eng_));
    pv_ = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(sd, vd, od), eng_));
    qm_ = memory(qd, eng_, nullptr);
    km_ = memory(kd, eng_, nullptr);
    vm_ = memory(vd, eng_, nullptr);
    om_ = memory(od, eng_, nullptr);
    sm_ = memory(sd, eng_, scores_.data());
  }

  void run() override {
    for (int b = 0; b < s_.batch; ++b)
      for (int h = 0; h < s_.heads_q; ++h) {
        const std::size_t hk = std::size_t(b) * s_.heads_kv + h / s_.group();
        const std::size_t hq = std::size_t(b) * s_.heads_q + h;
        qm_.set_data_handle(&q_[hq * s_.seq_q * s_.head_dim]);
        km_.set_data_handle(&k_[hk * s_.seq_kv * s_.head_dim]);
        vm_.set_data_handle(&v_[hk * s_.seq_kv * s_.value_dim]);
        om_.set_data_handle(&o_[hq * s_.seq_q * s_.value_dim]);
        std::unordered_map<int, memory> a1{{DNNL_ARG_SRC, qm_}, {DNNL_ARG_WEIGHTS, km_},
                                           {DNNL_ARG_DST, sm_}};
        if (causal_) a1[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = mask_mem_;
        qk_.execute(strm_, a1);
        softmax_.execute(strm_, {{DNNL_ARG_SRC, sm_}, {DNNL_ARG_DST, sm_}});
        pv_.execute(strm_, {{DNNL_ARG_SRC, sm_}, {DNNL_ARG_WEIGHTS, vm_}, {DNNL_ARG_DST, om_}});
      }
    strm_.wait();
    // Rows that see no key (seq_q > seq_kv, causal) are 0/0 in softmax: define them as zeros,
    // as the moat kernel does.
    if (causal_)
      for (std::size_t r = 0; r < std::size_t(s_.rows()); ++r)
        if (int(r % s_.seq_q) + s_.seq_kv - s_.seq_q < 0)
          for (int d = 0; d < s_.value_dim; ++d) o_[r * s_.value_dim + d] = 0.f;
  }

  CheckReport check() override {
    std::fill(o_.begin(), o_.end(), NAN);
    run();
    auto rows = rows_to_check(s_.rows());
    std::vector<float> got;
    for (auto r : rows)
      got.insert(got.end(), o_.begin() + r * s_.value_dim, o_.begin() + (r + 1) * s_.value_dim);
    const bool causal = causal_;
    const int off = s_.seq_kv - s_.seq_q;
    auto want = attention::oracle_softmax_rows(
        s_, q_, k_, v_, rows, [=](int, int, int i, int j) { return !causal || j <= i + off; },
        [](int, int, int, int, double x) { return x; });
    return compare_with_oracle(got, want, oracle_tolerance(dtype_, s_.head_dim + s_.seq_kv),
                               causal && s_.seq_q > s_.seq_kv && s_.seq_kv < 1);
  }

 private:
  attention::AttentionShape s_;
  bool causal_;
  DType dtype_;
  std::vector<float> q_, k_, v_, o_, scores_, mask_;
  dnnl::engine eng_;
  dnnl::stream strm_;
  dnnl::matmul qk_, pv_;
  dnnl::softmax_forward softmax_;
  memory qm_, km_, vm_, om_, sm_, mask_mem_;
};

}  // namespace

std::unique_ptr<KernelInstance> make_onednn(const InstanceRequest& req) {
  if constexpr (!kExecOnHost)
    throw Error("onednn baseline needs a host execution space (this build runs " +
                kx::backend_name() + ")");
  if (req.dtype != DType::fp32) throw Error("onednn baseline: fp32 only");
  return std::make_unique<OneDnnAttention>(req);
}

}  // namespace moat::variants::attention_dense
