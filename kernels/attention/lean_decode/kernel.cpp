#include "kernels/attention/common/decode_instance.hpp"

namespace moat::variants::attention_lean_decode {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  return attention::make_contiguous_decode(
      req, s, req.params.b("causal"),
      attention::lean_schedule(s.batch, s.heads_kv, s.seq_kv, int(req.params.i("workers"))));
}

}  // namespace moat::variants::attention_lean_decode
