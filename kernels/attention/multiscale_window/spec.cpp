// attention.multiscale_window — MSWA: sliding-window attention whose window differs per head,
// geometric from min_window (head 0) to max_window (last head):
//   w_h = round(min_window * (max_window / min_window)^(h / (H - 1))),  causal window of w_h keys.
#include <cmath>

#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/attention/common/spec_helpers.hpp"

namespace moat::variants::attention_multiscale_window {

int head_window(int h, int heads, int lo, int hi) {
  if (heads == 1) return lo;
  return int(std::lround(lo * std::pow(double(hi) / lo, double(h) / (heads - 1))));
}

VariantSpec spec() {
  VariantSpec v;
  v.name = "attention.multiscale_window";
  v.family = "attention/local";
  v.summary = "causal sliding window with a per-head window size, geometric across heads";
  v.reference = "Xu et al. 2025, MSWA: Refining Local Attention with Multi-Scale Window Attention";
  v.params = attention::shape_schema();
  v.params.push_back(int_param("min_window", "window of head 0", 32, 1, 1 << 22));
  v.params.push_back(int_param("max_window", "window of the last head", 512, 1, 1 << 22));
  v.validate = [](const Params& p) {
    attention::validate_shape(p);
    if (p.i("min_window") > p.i("max_window")) throw Error("min_window must be <= max_window");
  };
  v.cost = [](const Params& p, DType dt) {
    auto s = attention::shape_from(p);
    Cost total;
    const int lo = int(p.i("min_window")), hi = int(p.i("max_window"));
    auto one = s;
    one.heads_q = 1;
    one.heads_kv = 1;
    for (int h = 0; h < s.heads_q; ++h) {  // heads differ: cost per head
      const int w = head_window(h, s.heads_q, lo, hi), off = s.seq_kv - s.seq_q, n = s.seq_kv;
      total += attention::flash_cost(one, dt, [=](int i) {
        return std::pair<int, int>(std::max(0, i + off - w + 1), std::min(n, i + off + 1));
      });
    }
    total.launches = 1;
    // K/V were counted once per head: heads of a KV group share them.
    total.bytes_dram -= double(s.heads_q - s.heads_kv) * s.batch * s.seq_kv *
                        (s.head_dim + s.value_dim) * bytes_of(dt);
    return total;
  };
  v.test_shapes = attention::edge_shapes({{"min_window", 4}, {"max_window", 90}});
  v.test_shapes.push_back({{"seq_q", 300}, {"seq_kv", 300}, {"heads_q", 8}, {"heads_kv", 2},
                           {"min_window", 16}, {"max_window", 256}});
  return v;
}

}  // namespace moat::variants::attention_multiscale_window
