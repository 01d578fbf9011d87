#pragma once
// Parameter counts from the architecture: every weight, bias and norm scale of the model. "Active"
// parameters are those one token's forward pass uses: all but the routed experts (and attention
// experts) the router did not pick.
#include "model/models/model_preset.hpp"

namespace moat::model {

struct BlockParams {
  double total = 0;
  double active = 0;
};

// One layer's attention block (projections, biases, q/k norms, sinks, attention router).
BlockParams attention_params(const AttentionBlock& a, int hidden);
// One routed expert (or one dense FFN of `intermediate` width): projections and biases.
double expert_params(const FfnBlock& f, int hidden, int intermediate);
// One layer's FFN block: dense FFN, or routed + shared experts + router.
BlockParams ffn_params(const FfnBlock& f, int hidden);

struct ParameterCount {
  double embedding = 0;    // input token table
  double unembedding = 0;  // output head (0 when tied to the embedding)
  double attention_total = 0;
  double attention_active = 0;
  double ffn_total = 0;
  double ffn_active = 0;
  double norms = 0;  // per-layer RMSNorm scales and the final norm

  double non_embedding_total() const { return attention_total + ffn_total + norms; }
  double non_embedding_active() const { return attention_active + ffn_active + norms; }
  double total() const { return embedding + unembedding + non_embedding_total(); }
  double active(ActiveCounting counting = ActiveCounting::all) const;
};

ParameterCount count_parameters(const ModelPreset& m);

}  // namespace moat::model
