#include "kernels/attention/common/decode_instance.hpp"

namespace moat::variants::attention_split_kv_decode {

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  return attention::make_contiguous_decode(
      req, s, req.params.b("causal"),
      attention::split_kv_schedule(s.batch, s.heads_kv, s.seq_kv, int(req.params.i("n_splits"))));
}

}  // namespace moat::variants::attention_split_kv_decode
