#include "kernels/moe/common/activations.hpp"
#include "kernels/moe/common/layer_instance.hpp"

namespace moat::variants::moe_sigmoid_bias_grouped {
namespace {

// Selection on b = sigmoid(logit) + bias; weights from the unbiased sigmoid. Ties: lower index.
struct GroupLimitedSigmoid {
  View1<const float> bias;
  int groups, topk_group;
  float scale;

  KOKKOS_INLINE_FUNCTION float biased(const float* s, int e) const { return s[e] + bias(e); }
  // Sum of the two largest biased scores of group g (the only one when groups have one expert).
  KOKKOS_INLINE_FUNCTION float group_score(const float* s, int g, int per) const {
    float a = kx::lowest_float(), b = kx::lowest_float();
    for (int e = g * per; e < (g + 1) * per; ++e) {
      const float v = biased(s, e);
      if (v > a) {
        b = a;
        a = v;
      } else if (v > b) {
        b = v;
      }
    }
    return per > 1 ? a + b : a;
  }
  KOKKOS_INLINE_FUNCTION void operator()(float* row, int experts, int k, int* idx,
                                         float* w) const {
    for (int e = 0; e < experts; ++e) row[e] = 1.f / (1.f + kx::exp(-row[e]));
    const int per = experts / groups;
    unsigned long long kept = 0;
    for (int q = 0; q < topk_group; ++q) {
      int best = -1;
      float best_v = 0.f;
      for (int g = 0; g < groups; ++g) {
        if (kept >> g & 1ull) continue;
        const float v = group_score(row, g, per);
        if (best < 0 || v > best_v) {
          best = g;
          best_v = v;
        }
      }
      kept |= 1ull << best;
    }
    float sum = 0.f;
    for (int s = 0; s < k; ++s) {
      int best = -1;
      for (int e = 0; e < experts; ++e) {
        if (!(kept >> (e / per) & 1ull)) continue;
        bool taken = false;
        for (int q = 0; q < s; ++q) taken = taken || idx[q] == e;
        if (!taken && (best < 0 || biased(row, e) > biased(row, best))) best = e;
      }
      idx[s] = best;
      w[s] = row[best];
      sum += row[best];
    }
    for (int s = 0; s < k; ++s) w[s] = w[s] / sum * scale;
  }
};

moe::Slots select_ref(const std::vector<double>& logits, const std::vector<float>& bias,
                      int experts, int k, int groups, int topk_group, double scale) {
  std::vector<double> s(experts), b(experts);
  for (int e = 0; e < experts; ++e) {
    s[e] = 1.0 / (1.0 + std::exp(-logits[e]));
    b[e] = s[e] + bias[e];
  }
  const int per = experts / groups;
  std::vector<double> score(groups);
  for (int g = 0; g < groups; ++g) {
    std::vector<double> m(b.begin() + g * per, b.begin() + (g + 1) * per);
    std::sort(m.rbegin(), m.rend());
    score[g] = per > 1 ? m[0] + m[1] : m[0];
  }
  std::vector<bool> kept(groups, false);
  for (int q = 0; q < topk_group; ++q) {
    int best = -1;
    for (int g = 0; g < groups; ++g)
      if (!kept[g] && (best < 0 || score[g] > score[best])) best = g;
    kept[best] = true;
  }
  moe::Slots out;
  std::vector<bool> taken(experts, false);
  double sum = 0;
  for (int q = 0; q < k; ++q) {
    int best = -1;
    for (int e = 0; e < experts; ++e)
      if (kept[e / per] && !taken[e] && (best < 0 || b[e] > b[best])) best = e;
    taken[best] = true;
    out.push_back({best, s[best]});
    sum += s[best];
  }
  for (auto& o : out) o.second = o.second / sum * scale;
  return out;
}

}  // namespace

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  const auto cfg = moe::layer_config(req.params);
  const int e = cfg.shape.experts, k = cfg.shape.top_k;
  const int groups = int(req.params.i("n_group")), topk_group = int(req.params.i("topk_group"));
  const double scale = req.params.r("routed_scaling_factor");
  Rng rng(req.seed * 131 + 7);
  std::vector<float> bias(e);
  for (auto& v : bias) v = float(rng.uniform(-0.1, 0.1));
  View1<float> bias_d("bias", e);
  upload(bias_d, bias);
  return moe::make_routed<moe::SwiGluEpilogue>(
      req, cfg, GroupLimitedSigmoid{bias_d, groups, topk_group, float(scale)},
      [=](const std::vector<double>& logits) {
        return select_ref(logits, bias, e, k, groups, topk_group, scale);
      });
}

}  // namespace moat::variants::moe_sigmoid_bias_grouped
