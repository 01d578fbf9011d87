#pragma once
// Q, K and V of an attention shape on the device, from the host values the oracle also reads,
// and the output tensor: what every attention instance allocates before its kernel runs.
#include <string>
#include <vector>

#include "kernels/attention/common/shape.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

// Stored as T (float, bf16, fp16: storage.hpp); host values are already rounded to T.
template <class T = float>
struct DeviceQkv {
  View4<const T> q, k, v;
};

template <class T = float>
DeviceQkv<T> upload_qkv(const AttentionShape& s, const std::vector<float>& hq,
                        const std::vector<float>& hk, const std::vector<float>& hv) {
  View4<T> q("q", s.batch, s.heads_q, s.seq_q, s.head_dim);
  View4<T> k("k", s.batch, s.heads_kv, s.seq_kv, s.head_dim);
  View4<T> v("v", s.batch, s.heads_kv, s.seq_kv, s.value_dim);
  upload(q, hq);
  upload(k, hk);
  upload(v, hv);
  return {q, k, v};
}

// [batch][heads_q][seq_q][value_dim]
template <class T = float>
View4<T> output_view(const AttentionShape& s, const char* label = "o") {
  return View4<T>(std::string(label), s.batch, s.heads_q, s.seq_q, s.value_dim);
}

}  // namespace moat::attention
