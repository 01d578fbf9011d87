#include "kernels/common/instance.hpp"
#include "kernels/moe/common/grouped_gemm.hpp"
#include "kernels/moe/common/pipeline.hpp"
#include "kernels/moe/grouped_ffn/problem.hpp"

namespace moat::variants::moe_grouped_ffn {
namespace {

class Instance final : public KernelInstance {
 public:
  explicit Instance(const InstanceRequest& req)
      : p_(req), tiles_(moe::RowTileList::capacity_for(p_.rows(), p_.experts)) {
    xp_ = moe::device2("xp", p_.xp, p_.rows(), p_.hidden);
    w_gate_ = moe::device3("w_gate", p_.w.w_gate, p_.experts, p_.hidden, p_.ffn);
    w_up_ = moe::device3("w_up", p_.w.w_up, p_.experts, p_.hidden, p_.ffn);
    w_down_ = moe::device3("w_down", p_.w.w_down, p_.experts, p_.ffn, p_.hidden);
    hmid_ = View2<float>("hmid", p_.rows(), p_.ffn);
    y_ = View2<float>("y", p_.rows(), p_.hidden);
    std::vector<int> offsets;
    for (int e = 0; e <= p_.experts; ++e) offsets.push_back(e * p_.rows_per_expert);
    tiles_.set(offsets);
  }
  void run() override {
    moe::grouped_gemm(tiles_.view(), tiles_.count(), xp_, w_gate_, w_up_, hmid_,
                      moe::SwiGluEpilogue{});
    moe::grouped_gemm(tiles_.view(), tiles_.count(), hmid_, w_down_, w_down_, y_,
                      moe::IdentityEpilogue{});
  }
  CheckReport check() override {
    poison(y_);
    run();
    Kokkos::fence();
    return p_.check(download(y_));
  }

 private:
  Problem p_;
  moe::RowTileList tiles_;
  View2<const float> xp_;
  View3<const float> w_gate_, w_up_, w_down_;
  View2<float> hmid_, y_;
};

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  return std::make_unique<Instance>(req);
}

}  // namespace moat::variants::moe_grouped_ffn
