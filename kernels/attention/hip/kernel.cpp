#include "kernels/attention/hip/selector.hpp"

namespace moat::variants::attention_hip {

attention::BlockGeometry geometry(const Params& p);

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto s = attention::shape_from(req.params);
  const auto g = geometry(req.params);
  const int k = int(req.params.i("top_k"));
  return std::make_unique<attention::BlockSparseInstance<HipPrune>>(req, s,
                                                                    HipPrune{g, k, g.list_width(k)});
}

}  // namespace moat::variants::attention_hip
