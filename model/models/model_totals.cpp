#include "model/models/model_totals.hpp"

#include <algorithm>
#include <cmath>

#include "model/models/parameters.hpp"

namespace moat::model {

double flops_per_token(const ModelPreset& m, double position, AttentionMode mode) {
  const ParameterCount c = count_parameters(m);
  double flops = 2 * (c.non_embedding_active() + double(m.vocab_size) * m.hidden);
  for (const auto& g : m.layers) {
    const AttentionBlock& a = m.attention_of(g);
    flops += g.count * attention_flops_per_query(a, attended_tokens(a, position), mode);
  }
  return flops;
}

double kv_bytes_per_token(const ModelPreset& m, double bytes_per_element) {
  double elements = 0;
  for (const auto& g : m.layers) elements += g.count * kv_elements_per_token(m.attention_of(g));
  return elements * bytes_per_element;
}

double kv_bytes_per_sequence(const ModelPreset& m, double context, double bytes_per_element) {
  double elements = 0;
  for (const auto& g : m.layers) {
    const AttentionBlock& a = m.attention_of(g);
    elements += g.count * (kv_elements_per_token(a) * attended_tokens(a, context) +
                           state_elements_per_sequence(a));
  }
  return elements * bytes_per_element;
}

KvCapacity kv_capacity(const ModelPreset& m, double memory_bytes, double weight_bytes,
                       double context, double kv_bytes_per_element) {
  KvCapacity k;
  k.free_bytes = std::max(0.0, memory_bytes - weight_bytes);
  const double per_sequence = kv_bytes_per_sequence(m, context, kv_bytes_per_element);
  k.sequences = per_sequence > 0 ? std::floor(k.free_bytes / per_sequence) : 0;
  k.tokens = k.sequences * context;
  return k;
}

}  // namespace moat::model
