#include "kernels/attention/common/host_mask.hpp"

namespace moat::variants::attention_streaming_sink {

struct SinkAndWindow {
  int seq_kv, offset, sinks, window;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return kx::min(seq_kv, i + offset + 1); }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    const int p = i + offset;
    return j <= p && (j < sinks || j > p - window);
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
  // Two spans per query tile: [0, sinks) and the union of its rows' windows.
  KOKKOS_INLINE_FUNCTION int span_count(int, int, int) const { return 2; }
  KOKKOS_INLINE_FUNCTION void span(int, int, int qt, int t, int& begin, int& end) const {
    const int first = qt * attention::kQueryTile + offset;  // position of the tile's first row
    const int win_begin = kx::max(0, first - window + 1);
    if (t == 0) {
      begin = 0;
      end = kx::min(sinks, win_begin);
    } else {
      begin = win_begin;
      end = first + attention::kQueryTile;  // clipped to seq_kv by the skeleton
    }
  }
};

std::unique_ptr<KernelInstance> make(const InstanceRequest& req) {
  auto s = attention::shape_from(req.params);
  SinkAndWindow p{s.seq_kv, s.seq_kv - s.seq_q, int(req.params.i("sinks")),
                  int(req.params.i("window"))};
  return std::make_unique<attention::SoftmaxAttentionInstance<SinkAndWindow>>(
      req, s, p, attention::host_mask_of(p));
}

}  // namespace moat::variants::attention_streaming_sink
