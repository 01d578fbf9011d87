#include "kernels/attention/common/score_plane_instance.hpp"
#include "kernels/attention/common/score_plane_weights.hpp"

namespace moat::variants::attention_multi_token {

attention::PlaneGeometry geometry(const Params& p);  // spec.cpp

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto s = attention::shape_from(req.params);
  const auto g = geometry(req.params);
  attention::PlaneHostWeights w;
  attention::seeded_plane_weights(s, g, 0.1, std::uint64_t(req.params.i("mix_seed")), w.pre, w.post);
  return std::make_unique<attention::ScorePlaneInstance>(req, s, g, std::move(w));
}

}  // namespace moat::variants::attention_multi_token
