// The flash skeleton's two tile paths on the same inputs: the host micro-kernels (key-major
// scores, what CPU builds run) and the register-blocked device path (what GPU builds run), here on
// the host with one thread per team, so that CPU CI checks the GPU path's logic too. Both are
// compared with a float64 reference over masks, GQA, partial tiles, a sink logit, a score mod, an
// output map, block-sparse key spans, dims that are not whole 16-byte packets and bf16 storage.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/attention/common/device_qkv.hpp"
#include "kernels/attention/common/flash.hpp"
#include "kernels/common/random.hpp"

namespace moat {
namespace {

using attention::AttentionShape;

struct Causal {  // bottom-right aligned causal mask, as attention.dense
  int seq_kv, offset;
  static constexpr bool kRangeIsMask = true;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const {
    return kx::min(seq_kv, kx::max(0, i + offset + 1));
  }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const { return j <= i + offset; }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
};

// Every hook at once: a window [i - 40, i + 3) with every third key masked, a softcap score mod,
// a per-head sink logit and a gated output.
struct Everything {
  int seq_kv;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int i) const { return i - 40; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return i + 3; }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int, int j) const { return j % 3 != 1; }
  KOKKOS_INLINE_FUNCTION float score(int, int h, int, int, float s) const {
    return (5.f + h) * kx::tanh(s / (5.f + h));
  }
  KOKKOS_INLINE_FUNCTION float sink_logit(int, int h) const { return 0.25f * h - 0.5f; }
  KOKKOS_INLINE_FUNCTION float finish(int, int h, int i, int d, float o) const {
    return o * (0.5f + 0.01f * float((h + i + d) % 7));
  }
};

// Key spans per kQueryTile-row query tile, as block-sparse policies list them: keys [0, 16) and a
// window [i + 10, i + 30] ahead of each row; the tile's spans are [0, 16) and the union of its
// rows' windows. Of a team's two query tiles, the second reads a key tile the first does not,
// and long sequences skip whole key tiles between the spans.
struct GlobalAndAhead {
  int seq_q;
  static constexpr bool kPlainScore = true;
  KOKKOS_INLINE_FUNCTION int key_begin(int, int, int) const { return 0; }
  KOKKOS_INLINE_FUNCTION int key_end(int, int, int i) const { return i + 31; }
  KOKKOS_INLINE_FUNCTION bool visible(int, int, int i, int j) const {
    return j < 16 || (j >= i + 10 && j <= i + 30);
  }
  KOKKOS_INLINE_FUNCTION float score(int, int, int, int, float s) const { return s; }
  KOKKOS_INLINE_FUNCTION int span_count(int, int, int) const { return 2; }
  KOKKOS_INLINE_FUNCTION void span(int, int, int qt, int t, int& begin, int& end) const {
    const int first = qt * attention::kQueryTile;
    const int last = kx::min(seq_q, first + attention::kQueryTile) - 1;
    begin = t == 0 ? 0 : first + 10;
    end = t == 0 ? 16 : last + 31;
  }
};

// Softmax attention in float64 with the policy's mask, score mod, sink and output map.
template <class Policy>
std::vector<double> reference(const AttentionShape& s, const std::vector<float>& q,
                              const std::vector<float>& k, const std::vector<float>& v,
                              const Policy& p) {
  std::vector<double> o(std::size_t(s.o_elems()), 0.0);
  for (int b = 0; b < s.batch; ++b)
    for (int h = 0; h < s.heads_q; ++h)
      for (int i = 0; i < s.seq_q; ++i) {
        const int hk = h / s.group();
        double sink = -INFINITY;
        if constexpr (attention::PolicyHasSink<Policy>) sink = p.sink_logit(b, h);
        std::vector<double> w(std::size_t(s.seq_kv), 0.0);
        std::vector<bool> vis(std::size_t(s.seq_kv));
        double m = sink;
        for (int j = 0; j < s.seq_kv; ++j) {
          vis[j] = j >= p.key_begin(b, h, i) && j < p.key_end(b, h, i) && p.visible(b, h, i, j);
          if (!vis[j]) continue;
          double dot = 0;
          for (int d = 0; d < s.head_dim; ++d)
            dot += double(q[((std::size_t(b) * s.heads_q + h) * s.seq_q + i) * s.head_dim + d]) *
                   k[((std::size_t(b) * s.heads_kv + hk) * s.seq_kv + j) * s.head_dim + d];
          w[j] = p.score(b, h, i, j, float(dot * s.scale));
          m = std::max(m, w[j]);
        }
        double l = std::isfinite(sink) ? std::exp(sink - m) : 0.0;
        for (int j = 0; j < s.seq_kv; ++j)
          if (vis[j]) l += (w[j] = std::exp(w[j] - m));
        for (int d = 0; d < s.value_dim; ++d) {
          double acc = 0;
          for (int j = 0; j < s.seq_kv; ++j)
            if (vis[j])
              acc +=
                  w[j] * v[((std::size_t(b) * s.heads_kv + hk) * s.seq_kv + j) * s.value_dim + d];
          double out = l > 0 ? acc / l : 0.0;
          if constexpr (attention::PolicyHasFinish<Policy>) out = p.finish(b, h, i, d, float(out));
          o[((std::size_t(b) * s.heads_q + h) * s.seq_q + i) * s.value_dim + d] = out;
        }
      }
  return o;
}

// One path with inputs stored as T: kHostTiles = false runs the device path; n_splits > 1 cuts
// the keys of packed (decode-shaped) problems into splits merged after, as GPUs do for few teams.
template <bool kHostTiles, class T = float, class Policy>
std::vector<float> run(const AttentionShape& s, const std::vector<float>& qh,
                       const std::vector<float>& kh, const std::vector<float>& vh,
                       const Policy& policy, int n_splits = 1) {
  const auto qkv = attention::upload_qkv<T>(s, qh, kh, vh);
  const View4<T> o = attention::output_view<T>(s);
  poison(o);
  const auto split = attention::flash_split_plan<Policy>(s, n_splits);
  attention::flash_forward<Policy, kHostTiles, T>(qkv.q, qkv.k, qkv.v, o, s, policy, split.get());
  Kokkos::fence();
  return download_floats(o);
}

void expect_near(const std::vector<float>& got, const std::vector<double>& want, const char* path,
                 double tol = 2e-5) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << path << " at " << i;
}

struct Inputs {
  std::vector<float> q, k, v;
};
Inputs draw(const AttentionShape& s, std::uint64_t seed, DType t = DType::fp32) {
  return {random_values(s.q_elems(), t, seed * 3 + 0), random_values(s.k_elems(), t, seed * 3 + 1),
          random_values(s.v_elems(), t, seed * 3 + 2)};
}

AttentionShape shape(int seq_q, int seq_kv, int head_dim, int value_dim, int heads_q = 4,
                     int heads_kv = 2) {
  AttentionShape s;
  s.batch = 2;
  s.heads_q = heads_q;
  s.heads_kv = heads_kv;
  s.seq_q = seq_q;
  s.seq_kv = seq_kv;
  s.head_dim = head_dim;
  s.value_dim = value_dim;
  s.scale = 1.f / std::sqrt(float(head_dim));
  return s;
}

// Both paths on one policy.
template <class Policy>
void check_both(const AttentionShape& s, const Policy& p, std::uint64_t seed) {
  const Inputs in = draw(s, seed);
  const auto want = reference(s, in.q, in.k, in.v, p);
  expect_near(run<true>(s, in.q, in.k, in.v, p), want, "host tiles");
  expect_near(run<false>(s, in.q, in.k, in.v, p), want, "device path");
}

// Partial query teams (37, 70 and 130 rows: one, two and three teams of kFlashTeamRows), a
// partial last key tile, query rows that see no key (seq_q > seq_kv, causal).
TEST(FlashPaths, HostTilesAndDevicePathMatchTheReference) {
  for (const int seq_q : {1, 37, 70, 130}) {
    const AttentionShape s = shape(seq_q, 100, 40, 24);
    SCOPED_TRACE("seq_q " + std::to_string(seq_q));
    check_both(s, Causal{s.seq_kv, s.seq_kv - s.seq_q}, std::uint64_t(seq_q) * 2);
    check_both(s, Everything{s.seq_kv}, std::uint64_t(seq_q) * 2 + 1);
  }
}

// Rows of 37 and 19 elements are not whole packets (4 floats): the device path pads a copy.
TEST(FlashPaths, DimsThatAreNotWholePackets) {
  const AttentionShape s = shape(70, 130, 37, 19);
  check_both(s, Causal{s.seq_kv, s.seq_kv - s.seq_q}, 5);
  check_both(s, Everything{s.seq_kv}, 6);
}

// A team of the device path covers two span lists (two kQueryTile-row query tiles) and visits
// the union of their key tiles once each, skipping the tiles neither lists.
TEST(FlashPaths, KeySpansOfTwoQueryTilesPerTeam) {
  for (const int seq : {100, 300}) {
    const AttentionShape s = shape(seq, seq, 32, 40);
    SCOPED_TRACE("seq " + std::to_string(seq));
    check_both(s, GlobalAndAhead{s.seq_q}, std::uint64_t(seq));
  }
}

// bf16 storage (8-element packets, two per depth chunk row); the output is rounded to bf16 once.
// 300 value columns: two passes of the 256-column layout, rows not whole packets (padded copy).
TEST(FlashPaths, DevicePathWithBf16Storage) {
  const AttentionShape s = shape(70, 100, 72, 300);
  const Inputs in = draw(s, 7, DType::bf16);
  const Causal c{s.seq_kv, s.seq_kv - s.seq_q};
  expect_near(run<false, bf16>(s, in.q, in.k, in.v, c), reference(s, in.q, in.k, in.v, c),
              "device path, bf16", 8e-3);
}

// Decode-shaped GQA steps: the device path packs every head of a KV head's group into one tile
// (rows of different heads, per-head score mods and sinks) and, for the causal mask, cuts the
// keys into splits merged by the decode skeleton's merge.
TEST(FlashPaths, PackedGroupsAndKeySplitsMatchTheReference) {
  for (const int seq_q : {1, 3, 17}) {
    for (const int n_splits : {1, 3, 7}) {
      // 4 heads per group: 4 * 17 = 68 packed rows span two tiles
      const AttentionShape s = shape(seq_q, 700, 40, 24, 8, 2);
      SCOPED_TRACE("seq_q " + std::to_string(seq_q) + " splits " + std::to_string(n_splits));
      ASSERT_TRUE(attention::flash_packs_rows<Causal>(s));
      const Inputs in = draw(s, std::uint64_t(seq_q) * 16 + n_splits);
      const Causal c{s.seq_kv, s.seq_kv - s.seq_q};
      expect_near(run<false>(s, in.q, in.k, in.v, c, n_splits), reference(s, in.q, in.k, in.v, c),
                  "packed causal");
      EXPECT_EQ(attention::flash_split_plan<Causal>(s, n_splits) != nullptr, n_splits > 1);
      const Everything e{s.seq_kv};  // sink and output map: packed, never split
      EXPECT_EQ(attention::flash_split_plan<Everything>(s, n_splits), nullptr);
      expect_near(run<false>(s, in.q, in.k, in.v, e, n_splits), reference(s, in.q, in.k, in.v, e),
                  "packed everything");
    }
  }
}

TEST(FlashPaths, DeviceTileFitsCudaLevel0Scratch) {
  using Widest = attention::FlashDevice<Causal, attention::DeviceFlashTiling<256>>;
  using Wide = attention::FlashDevice<Causal, attention::DeviceFlashTiling<128>>;
  using Narrow = attention::FlashDevice<Causal, attention::DeviceFlashTiling<64>>;
  EXPECT_LE(Widest::scratch_bytes(), kCudaLevel0ScratchMax);
  EXPECT_LE(Wide::scratch_bytes(), kCudaLevel0ScratchMax);
  EXPECT_LE(Narrow::scratch_bytes(), kCudaLevel0ScratchMax);
}

}  // namespace
}  // namespace moat
