#pragma once
// Float64 reference for softmax attention: one row at a time, every visible key, no tiling.
// Slow and obviously correct; kernels are checked against it on sampled rows.
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/attention/common/shape.hpp"

namespace moat::attention {

struct RowIndex {
  int b, h, i;
};

inline RowIndex row_index(const AttentionShape& s, std::int64_t flat) {
  RowIndex r;
  r.i = int(flat % s.seq_q);
  flat /= s.seq_q;
  r.h = int(flat % s.heads_q);
  r.b = int(flat / s.heads_q);
  return r;
}

// visible(b, h, i, j) says whether query i may attend to key j; score_mod(b, h, i, j, s) maps the
// scaled logit. Rows with no visible key produce zeros. Returns rows.size() * value_dim values.
// Optional: sink(b, h) adds exp(sink) to every row's denominator (a logit with a zero value);
// finish(b, h, i, d, o) maps each normalized output element (e.g. an output gate).
inline std::vector<double> oracle_softmax_rows(
    const AttentionShape& s, const std::vector<float>& q, const std::vector<float>& k,
    const std::vector<float>& v, const std::vector<std::int64_t>& rows,
    const std::function<bool(int, int, int, int)>& visible,
    const std::function<double(int, int, int, int, double)>& score_mod,
    const std::function<double(int, int)>& sink = {},
    const std::function<double(int, int, int, int, double)>& finish = {}) {
  std::vector<double> out;
  out.reserve(rows.size() * s.value_dim);
  std::vector<double> logits(s.seq_kv);
  for (std::int64_t flat : rows) {
    RowIndex r = row_index(s, flat);
    int hk = r.h / s.group();
    const float* qr = &q[((std::int64_t(r.b) * s.heads_q + r.h) * s.seq_q + r.i) * s.head_dim];
    double m = -INFINITY;
    for (int j = 0; j < s.seq_kv; ++j) {
      if (!visible(r.b, r.h, r.i, j)) {
        logits[j] = -INFINITY;
        continue;
      }
      const float* kr = &k[((std::int64_t(r.b) * s.heads_kv + hk) * s.seq_kv + j) * s.head_dim];
      double dot = 0;
      for (int d = 0; d < s.head_dim; ++d) dot += double(qr[d]) * double(kr[d]);
      logits[j] = score_mod(r.b, r.h, r.i, j, dot * s.scale);
      m = std::max(m, logits[j]);
    }
    std::vector<double> o(s.value_dim, 0.0);
    const double sink_logit = sink ? sink(r.b, r.h) : -INFINITY;
    m = std::max(m, sink_logit);
    if (m > -INFINITY) {
      double sum = sink ? std::exp(sink_logit - m) : 0.0;
      for (int j = 0; j < s.seq_kv; ++j) {
        if (logits[j] == -INFINITY) continue;
        double p = std::exp(logits[j] - m);
        sum += p;
        const float* vr = &v[((std::int64_t(r.b) * s.heads_kv + hk) * s.seq_kv + j) * s.value_dim];
        for (int d = 0; d < s.value_dim; ++d) o[d] += p * double(vr[d]);
      }
      for (auto& x : o) x /= sum;
    }
    if (finish)
      for (int d = 0; d < s.value_dim; ++d) o[d] = finish(r.b, r.h, r.i, d, o[d]);
    out.insert(out.end(), o.begin(), o.end());
  }
  return out;
}

}  // namespace moat::attention
