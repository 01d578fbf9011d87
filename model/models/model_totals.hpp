#pragma once
// Whole-model figures at one context length: FLOPs per token and K/V-cache bytes, and how many
// sequences fit in memory next to the weights.
#include "model/models/attention_work.hpp"
#include "model/models/model_preset.hpp"

namespace moat::model {

// FLOPs to produce one token at `position` (tokens already in context, itself included):
// 2 per active weight (router, attention, FFN, output head; the embedding lookup is free) plus the
// attention core over the keys it sees.
double flops_per_token(const ModelPreset& m, double position, AttentionMode mode);

// K/V cache bytes one token adds across all layers when no sliding window has filled yet.
double kv_bytes_per_token(const ModelPreset& m, double bytes_per_element);
// Cache bytes of one sequence of `context` tokens: windowed layers keep at most their window,
// linear-attention layers keep their fixed state (in the same element format).
double kv_bytes_per_sequence(const ModelPreset& m, double context, double bytes_per_element);

struct KvCapacity {
  double free_bytes = 0;        // memory left after the weights (and reserve)
  double sequences = 0;         // whole sequences of `context` tokens that fit (floor)
  double tokens = 0;            // sequences * context
};
KvCapacity kv_capacity(const ModelPreset& m, double memory_bytes, double weight_bytes,
                       double context, double kv_bytes_per_element);

}  // namespace moat::model
