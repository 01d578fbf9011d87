// oneDNN baseline of moe.grouped_ffn: per expert, three matmul primitives on the expert's rows,
//   G = silu(X W1)            (matmul + eltwise_swish post-op)
//   H = (X W3) * G            (matmul + binary_mul post-op)
//   Y = H W2                  (matmul)
// plain row-major (ab) weights, as the moat kernel reads them. Debian's libdnnl 2.6 uses the
// OpenMP runtime: it runs as many threads as the Kokkos host space has (Serial: 1), set through
// omp_set_num_threads (looked up in the process, since moat itself does not link OpenMP).
#include <dlfcn.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "core/error.hpp"
#include "kernels/common/instance.hpp"
#include "kernels/common/views.hpp"
#include "kernels/moe/grouped_ffn/problem.hpp"

namespace moat::variants::moe_grouped_ffn {
namespace {

void match_kokkos_threads() {
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "omp_set_num_threads")))
    set(Kokkos::DefaultHostExecutionSpace().concurrency());
}

class OneDnnInstance final : public KernelInstance {
 public:
  explicit OneDnnInstance(const InstanceRequest& req)
      : p_(req), eng_(dnnl::engine::kind::cpu, 0), stream_(eng_) {
    if (req.dtype != DType::fp32)
      throw UnsupportedCase("onednn baseline of moe.grouped_ffn runs fp32 only");
    match_kokkos_threads();
    using tag = dnnl::memory::format_tag;
    using dt = dnnl::memory::data_type;
    const dnnl::memory::dim m = p_.rows_per_expert, h = p_.hidden, f = p_.ffn;
    const dnnl::memory::desc x_d({m, h}, dt::f32, tag::ab), w1_d({h, f}, dt::f32, tag::ab),
        hm_d({m, f}, dt::f32, tag::ab), w2_d({f, h}, dt::f32, tag::ab),
        y_d({m, h}, dt::f32, tag::ab);
    dnnl::post_ops swish;
    swish.append_eltwise(1.f, dnnl::algorithm::eltwise_swish, 1.f, 0.f);
    dnnl::primitive_attr gate_attr;
    gate_attr.set_post_ops(swish);
    dnnl::post_ops mul;
    mul.append_binary(dnnl::algorithm::binary_mul, hm_d);
    dnnl::primitive_attr up_attr;
    up_attr.set_post_ops(mul);
    gate_ = dnnl::matmul({dnnl::matmul::desc(x_d, w1_d, hm_d), gate_attr, eng_});
    up_ = dnnl::matmul({dnnl::matmul::desc(x_d, w1_d, hm_d), up_attr, eng_});
    down_ = dnnl::matmul({dnnl::matmul::desc(hm_d, w2_d, y_d), eng_});
    g_.resize(std::size_t(m) * f);
    hmid_.resize(std::size_t(m) * f);
    y_.assign(std::size_t(p_.rows()) * h, 0.f);
    for (int e = 0; e < p_.experts; ++e) {
      const std::size_t wo = std::size_t(e) * h * f, xo = std::size_t(e) * m * h;
      Expert ex;
      ex.x = dnnl::memory(x_d, eng_, p_.xp.data() + xo);
      ex.w1 = dnnl::memory(w1_d, eng_, p_.w.w_gate.data() + wo);
      ex.w3 = dnnl::memory(w1_d, eng_, p_.w.w_up.data() + wo);
      ex.w2 = dnnl::memory(w2_d, eng_, p_.w.w_down.data() + wo);
      ex.y = dnnl::memory(y_d, eng_, y_.data() + xo);
      experts_.push_back(ex);
    }
    g_mem_ = dnnl::memory(hm_d, eng_, g_.data());
    h_mem_ = dnnl::memory(hm_d, eng_, hmid_.data());
  }

  void run() override {
    for (const auto& ex : experts_) {
      gate_.execute(stream_,
                    {{DNNL_ARG_SRC, ex.x}, {DNNL_ARG_WEIGHTS, ex.w1}, {DNNL_ARG_DST, g_mem_}});
      up_.execute(stream_, {{DNNL_ARG_SRC, ex.x},
                            {DNNL_ARG_WEIGHTS, ex.w3},
                            {DNNL_ARG_DST, h_mem_},
                            {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, g_mem_}});
      down_.execute(stream_,
                    {{DNNL_ARG_SRC, h_mem_}, {DNNL_ARG_WEIGHTS, ex.w2}, {DNNL_ARG_DST, ex.y}});
    }
    stream_.wait();
  }

  CheckReport check() override {
    std::fill(y_.begin(), y_.end(), NAN);
    run();
    return p_.check(y_);
  }

 private:
  struct Expert {
    dnnl::memory x, w1, w3, w2, y;
  };
  Problem p_;
  dnnl::engine eng_;
  dnnl::stream stream_;
  dnnl::matmul gate_, up_, down_;
  std::vector<float> g_, hmid_, y_;
  dnnl::memory g_mem_, h_mem_;
  std::vector<Expert> experts_;
};

}  // namespace

std::unique_ptr<KernelInstance> make_onednn(const InstanceRequest& req) {
  if (!kExecOnHost)
    throw Error("onednn baseline runs on the host only; this build's execution space is " +
                std::string(ExecSpace::name()));
  return std::make_unique<OneDnnInstance>(req);
}

}  // namespace moat::variants::moe_grouped_ffn
