#include "kernels/common/instance.hpp"
#include "kernels/moe/common/grouped_gemm.hpp"
#include "kernels/moe/grouped_ffn/device_problem.hpp"

namespace moat::variants::moe_grouped_ffn {
namespace {

// Inputs, the SwiGLU intermediate and the output stored as T; fp32 accumulation.
template <class T>
class Instance final : public KernelInstance {
 public:
  explicit Instance(const InstanceRequest& req)
      : p_(req), d_(p_), tiles_(moe::RowTileList::capacity_for(p_.rows(), p_.experts)) {
    hmid_ = View2<T>("hmid", p_.rows(), p_.ffn);
    std::vector<int> offsets;
    for (int e = 0; e <= p_.experts; ++e) offsets.push_back(e * p_.rows_per_expert);
    tiles_.set(offsets);
  }
  void run() override {
    moe::grouped_gemm(tiles_.view(), tiles_.count(), d_.xp, d_.w_gate, d_.w_up, hmid_,
                      moe::SwiGluEpilogue{});
    moe::grouped_gemm(tiles_.view(), tiles_.count(), hmid_, d_.w_down, d_.w_down, d_.y,
                      moe::IdentityEpilogue{});
  }
  CheckReport check() override {
    return d_.check(p_, [&] { run(); });
  }

 private:
  Problem p_;
  DeviceProblem<T> d_;
  moe::RowTileList tiles_;
  View2<T> hmid_;
};

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  return with_storage(req.dtype, [&](auto t) -> std::unique_ptr<KernelInstance> {
    return std::make_unique<Instance<decltype(t)>>(req);
  });
}

}  // namespace moat::variants::moe_grouped_ffn
