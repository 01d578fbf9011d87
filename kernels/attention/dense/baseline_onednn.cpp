// attention.dense through oneDNN, unfused: S = scale * Q K^T (+ causal mask) with the matmul
// primitive, softmax primitive over keys, O = P V with matmul: the vendor baseline the flash
// skeleton is measured against. One set of 2-D primitives is created up front and run per
// (batch, head) on the host. Threading: Debian's libdnnl 2.6 is built with OpenMP (libgomp), so
// OMP_NUM_THREADS=1 makes it single-threaded.
#include <oneapi/dnnl/dnnl.hpp>

#include "core/error.hpp"
#include "kernels/attention/common/causal_mask.hpp"
#include "kernels/attention/common/host_mask.hpp"
#include "kernels/attention/common/softmax_instance.hpp"

namespace moat::variants::attention_dense {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// The inputs, output and oracle check are those of the moat kernel's instance
// (SoftmaxAttentionCase: same seeds); on host builds its views are host memory, which oneDNN
// reads and writes in place.
class OneDnnAttention final : public KernelInstance {
 public:
  explicit OneDnnAttention(const InstanceRequest& req)
      : mask_(
            attention::CausalOrFull::of(attention::shape_from(req.params), req.params.b("causal"))),
        c_(req, attention::shape_from(req.params), attention::host_mask_of(mask_), false),
        eng_(dnnl::engine::kind::cpu, 0),
        strm_(eng_) {
    const auto& s = c_.shape();
    scores_.assign(std::size_t(s.seq_q) * s.seq_kv, 0.f);
    const memory::dim m = s.seq_q, n = s.seq_kv, d = s.head_dim, dv = s.value_dim;
    memory::desc qd({m, d}, dt::f32, tag::ab), kd({d, n}, dt::f32, tag::ba);  // K^T view of K
    memory::desc sd({m, n}, dt::f32, tag::ab), vd({n, dv}, dt::f32, tag::ab);
    memory::desc od({m, dv}, dt::f32, tag::ab);
    dnnl::primitive_attr a1;
    a1.set_output_scales(0, {s.scale});
    if (mask_.causal) {  // additive mask, bottom-right aligned like the moat kernel
      mask_values_.assign(std::size_t(m) * n, 0.f);
      for (int i = 0; i < s.seq_q; ++i)
        for (int j = kx::max(0, mask_.key_end(0, 0, i)); j < s.seq_kv; ++j)
          mask_values_[std::size_t(i) * n + j] = -INFINITY;
      dnnl::post_ops po;
      po.append_binary(dnnl::algorithm::binary_add, sd);
      a1.set_post_ops(po);
      mask_mem_ = memory(sd, eng_, mask_values_.data());
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
    const auto& s = c_.shape();
    // oneDNN takes non-const handles; it only reads the sources.
    float* q = const_cast<float*>(c_.q.data());
    float* k = const_cast<float*>(c_.k.data());
    float* v = const_cast<float*>(c_.v.data());
    float* o = c_.o.data();
    for (int b = 0; b < s.batch; ++b)
      for (int h = 0; h < s.heads_q; ++h) {
        const std::size_t hk = std::size_t(b) * s.heads_kv + h / s.group();
        const std::size_t hq = std::size_t(b) * s.heads_q + h;
        qm_.set_data_handle(q + hq * s.seq_q * s.head_dim);
        km_.set_data_handle(k + hk * s.seq_kv * s.head_dim);
        vm_.set_data_handle(v + hk * s.seq_kv * s.value_dim);
        om_.set_data_handle(o + hq * s.seq_q * s.value_dim);
        std::unordered_map<int, memory> a1{
            {DNNL_ARG_SRC, qm_}, {DNNL_ARG_WEIGHTS, km_}, {DNNL_ARG_DST, sm_}};
        if (mask_.causal) a1[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = mask_mem_;
        qk_.execute(strm_, a1);
        softmax_.execute(strm_, {{DNNL_ARG_SRC, sm_}, {DNNL_ARG_DST, sm_}});
        pv_.execute(strm_, {{DNNL_ARG_SRC, sm_}, {DNNL_ARG_WEIGHTS, vm_}, {DNNL_ARG_DST, om_}});
      }
    strm_.wait();
    // Rows that see no key (seq_q > seq_kv, causal) are 0/0 in softmax: define them as zeros,
    // as the moat kernel does.
    for (std::size_t r = 0; r < std::size_t(s.rows()); ++r)
      if (mask_.key_end(0, 0, int(r % s.seq_q)) <= 0)
        for (int d = 0; d < s.value_dim; ++d) o[r * s.value_dim + d] = 0.f;
  }

  CheckReport check() override {
    return c_.check([&] { run(); });
  }

 private:
  attention::CausalOrFull mask_;
  attention::SoftmaxAttentionCase<> c_;
  std::vector<float> scores_, mask_values_;
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
  if (req.dtype != DType::fp32) throw UnsupportedCase("onednn baseline: fp32 only");
  return std::make_unique<OneDnnAttention>(req);
}

}  // namespace moat::variants::attention_dense
