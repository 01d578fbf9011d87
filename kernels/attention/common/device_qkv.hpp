#pragma once
// Q, K and V of an attention shape on the device, from the host values the oracle also reads,
// and the output tensor: what every attention instance allocates before its kernel runs.
#include <string>
#include <vector>

#include "kernels/attention/common/shape.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

struct DeviceQkv {
  View4<const float> q, k, v;
};

inline DeviceQkv upload_qkv(const AttentionShape& s, const std::vector<float>& hq,
                            const std::vector<float>& hk, const std::vector<float>& hv) {
  View4<float> q("q", s.batch, s.heads_q, s.seq_q, s.head_dim);
  View4<float> k("k", s.batch, s.heads_kv, s.seq_kv, s.head_dim);
  View4<float> v("v", s.batch, s.heads_kv, s.seq_kv, s.value_dim);
  upload(q, hq);
  upload(k, hk);
  upload(v, hv);
  return {q, k, v};
}

// [batch][heads_q][seq_q][value_dim]
inline View4<float> output_view(const AttentionShape& s, const char* label = "o") {
  return View4<float>(std::string(label), s.batch, s.heads_q, s.seq_q, s.value_dim);
}

}  // namespace moat::attention
