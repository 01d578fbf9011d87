// The flash skeleton's two tile paths on the same inputs: the host micro-kernels (key-major
// scores, what CPU builds run) and the portable per-row path (what GPU builds run), here on the
// host with team size 1, so that CPU CI checks the GPU path's logic too. Both are compared with a
// float64 reference over masks, GQA, partial tiles, a sink logit, a score mod and an output map.
#include <gtest/gtest.h>

#include <cmath>
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

std::vector<double> reference(const AttentionShape& s, const std::vector<float>& q,
                              const std::vector<float>& k, const std::vector<float>& v,
                              const Causal* causal, const Everything* all) {
  std::vector<double> o(std::size_t(s.o_elems()), 0.0);
  for (int b = 0; b < s.batch; ++b)
    for (int h = 0; h < s.heads_q; ++h)
      for (int i = 0; i < s.seq_q; ++i) {
        const int hk = h / s.group();
        std::vector<double> w(std::size_t(s.seq_kv), 0.0);
        double m = all ? double(all->sink_logit(b, h)) : -INFINITY;
        std::vector<bool> vis(std::size_t(s.seq_kv));
        for (int j = 0; j < s.seq_kv; ++j) {
          vis[j] = causal ? (j < causal->key_end(b, h, i))
                          : (j >= all->key_begin(b, h, i) && j < all->key_end(b, h, i) &&
                             all->visible(b, h, i, j));
          if (!vis[j]) continue;
          double dot = 0;
          for (int d = 0; d < s.head_dim; ++d)
            dot += double(q[((std::size_t(b) * s.heads_q + h) * s.seq_q + i) * s.head_dim + d]) *
                   k[((std::size_t(b) * s.heads_kv + hk) * s.seq_kv + j) * s.head_dim + d];
          dot *= s.scale;
          if (all) dot = (5.0 + h) * std::tanh(dot / (5.0 + h));
          w[j] = dot;
          m = std::max(m, dot);
        }
        double l = all ? std::exp(double(all->sink_logit(b, h)) - m) : 0.0;
        for (int j = 0; j < s.seq_kv; ++j)
          if (vis[j]) l += (w[j] = std::exp(w[j] - m));
        for (int d = 0; d < s.value_dim; ++d) {
          double acc = 0;
          for (int j = 0; j < s.seq_kv; ++j)
            if (vis[j])
              acc +=
                  w[j] * v[((std::size_t(b) * s.heads_kv + hk) * s.seq_kv + j) * s.value_dim + d];
          double out = l > 0 ? acc / l : 0.0;
          if (all) out *= 0.5 + 0.01 * ((h + i + d) % 7);
          o[((std::size_t(b) * s.heads_q + h) * s.seq_q + i) * s.value_dim + d] = out;
        }
      }
  return o;
}

// The portable path with kHostTiles = false; n_splits > 1 cuts the keys of packed (decode-shaped)
// problems into splits merged after, as GPUs do for few teams.
template <bool kHostTiles, class Policy>
std::vector<float> run(const AttentionShape& s, const std::vector<float>& qh,
                       const std::vector<float>& kh, const std::vector<float>& vh,
                       const Policy& policy, int n_splits = 1) {
  const auto qkv = attention::upload_qkv(s, qh, kh, vh);
  const View4<float> o = attention::output_view(s);
  poison(o);
  const auto split = attention::flash_split_plan<Policy>(s, n_splits);
  attention::flash_forward<Policy, kHostTiles>(qkv.q, qkv.k, qkv.v, o, s, policy, split.get());
  Kokkos::fence();
  return download(o);
}

void expect_near(const std::vector<float>& got, const std::vector<double>& want, const char* path) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 2e-5 * (1 + std::abs(want[i]))) << path << " at " << i;
}

TEST(FlashPaths, HostTilesAndPortablePathMatchTheReference) {
  for (const int seq_q : {1, 37, 70}) {
    for (const bool causal : {true, false}) {
      AttentionShape s;
      s.batch = 2;
      s.heads_q = 4;
      s.heads_kv = 2;
      s.seq_q = seq_q;
      s.seq_kv = 100;  // a partial last key tile
      s.head_dim = 40;
      s.value_dim = 24;
      s.scale = 1.f / std::sqrt(40.f);
      SCOPED_TRACE("seq_q " + std::to_string(seq_q) + (causal ? " causal" : " everything"));
      const std::uint64_t seed = std::uint64_t(seq_q) * 2 + causal;
      const auto q = random_values(s.q_elems(), DType::fp32, seed * 3 + 0);
      const auto k = random_values(s.k_elems(), DType::fp32, seed * 3 + 1);
      const auto v = random_values(s.v_elems(), DType::fp32, seed * 3 + 2);
      const Causal c{s.seq_kv, s.seq_kv - s.seq_q};
      const Everything e{s.seq_kv};
      const auto want = reference(s, q, k, v, causal ? &c : nullptr, causal ? nullptr : &e);
      if (causal) {
        expect_near(run<true>(s, q, k, v, c), want, "host tiles");
        expect_near(run<false>(s, q, k, v, c), want, "portable path");
      } else {
        expect_near(run<true>(s, q, k, v, e), want, "host tiles");
        expect_near(run<false>(s, q, k, v, e), want, "portable path");
      }
    }
  }
}

// Decode-shaped GQA steps: the device path packs every head of a KV head's group into one tile
// (rows of different heads, per-head score mods and sinks) and, for the causal mask, cuts the
// keys into splits merged by the decode skeleton's merge.
TEST(FlashPaths, PackedGroupsAndKeySplitsMatchTheReference) {
  for (const int seq_q : {1, 3, 9}) {
    for (const int n_splits : {1, 3, 7}) {
      AttentionShape s;
      s.batch = 2;
      s.heads_q = 8;
      s.heads_kv = 2;  // 4 heads per group: 4 * 9 = 36 packed rows span two tiles
      s.seq_q = seq_q;
      s.seq_kv = 700;
      s.head_dim = 40;
      s.value_dim = 24;
      s.scale = 1.f / std::sqrt(40.f);
      SCOPED_TRACE("seq_q " + std::to_string(seq_q) + " splits " + std::to_string(n_splits));
      ASSERT_TRUE(attention::flash_packs_rows<Causal>(s));
      const std::uint64_t seed = std::uint64_t(seq_q) * 16 + n_splits;
      const auto q = random_values(s.q_elems(), DType::fp32, seed * 3 + 0);
      const auto k = random_values(s.k_elems(), DType::fp32, seed * 3 + 1);
      const auto v = random_values(s.v_elems(), DType::fp32, seed * 3 + 2);
      const Causal c{s.seq_kv, s.seq_kv - s.seq_q};
      expect_near(run<false>(s, q, k, v, c, n_splits), reference(s, q, k, v, &c, nullptr),
                  "packed causal");
      EXPECT_EQ(attention::flash_split_plan<Causal>(s, n_splits) != nullptr, n_splits > 1);
      const Everything e{s.seq_kv};  // sink and output map: packed, never split
      EXPECT_EQ(attention::flash_split_plan<Everything>(s, n_splits), nullptr);
      expect_near(run<false>(s, q, k, v, e, n_splits), reference(s, q, k, v, nullptr, &e),
                  "packed everything");
    }
  }
}

TEST(FlashPaths, DeviceTileFitsCudaLevel0Scratch) {
  using Wide = attention::FlashDevice<Causal, attention::DeviceFlashTiling<128>>;
  using Narrow = attention::FlashDevice<Causal, attention::DeviceFlashTiling<64>>;
  EXPECT_LE(Wide::scratch_bytes(), kCudaLevel0ScratchMax);
  EXPECT_LE(Narrow::scratch_bytes(), kCudaLevel0ScratchMax);
}

}  // namespace
}  // namespace moat
