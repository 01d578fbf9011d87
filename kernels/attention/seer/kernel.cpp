#include "kernels/attention/common/block_sparse_gate.hpp"

namespace moat::variants::attention_seer {

attention::BlockGeometry geometry(const Params& p);

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto s = attention::shape_from(req.params);
  attention::PooledGate gate(s, geometry(req.params), int(req.params.i("top_k")),
                             int(req.params.i("gate_dim")), req.seed);
  return std::make_unique<attention::BlockSparseInstance<attention::PooledGate>>(req, s,
                                                                                 std::move(gate));
}

}  // namespace moat::variants::attention_seer
