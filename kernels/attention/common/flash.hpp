#pragma once
// The tiled online-softmax skeleton ("flash" attention) shared by every softmax-family variant.
// A variant supplies a Policy; the kernel below never changes:
//
//   struct Policy {
//     // Keys row i can see lie in [key_begin, key_end): tiles outside are skipped entirely.
//     KOKKOS_INLINE_FUNCTION int key_begin(int b, int h, int i) const;
//     KOKKOS_INLINE_FUNCTION int key_end(int b, int h, int i) const;
//     KOKKOS_INLINE_FUNCTION bool visible(int b, int h, int i, int j) const;   // the mask
//     KOKKOS_INLINE_FUNCTION float score(int b, int h, int i, int j, float s) const;  // score mod
//   };
//
// Optional hooks (detected at compile time; see the concepts below):
//   static constexpr bool kRangeIsMask = true;  visible(i, j) == (key_begin <= j < key_end):
//                                               full tiles then skip the per-key visible() call
//   static constexpr bool kPlainScore = true;   score() is the identity: skipped likewise
//   int span_count(b, h, qt) / void span(b, h, qt, t, int& begin, int& end):
//       the query tile qt reads only the listed key spans (sorted, block-sparse attention);
//       visible() must still mask keys outside a row's own selection
//   float sink_logit(b, h): an extra logit with a zero value vector in every row's denominator
//   float finish(b, h, i, d, float o): maps the normalized output (e.g. an output gate)
//   static constexpr bool kValuesFromKeys = true: V is the first value_dim columns of K (MLA)
//
// One team handles kQueryTile query rows of one (batch, head) and walks 64-aligned key tiles;
// every row updates its running max m, normalizer l and unnormalized output o:
//   m' = max(m, max_j s_j);  o = o * e^(m - m') + sum_j e^(s_j - m') v_j;  l likewise.
// Rows that see no key end with l = 0 and output zeros (defined, finite).
//
// Host execution spaces (team size 1) run each tile step through the register-blocked
// micro-kernels of cpu_tile.hpp on key-major score tiles (Q^T staged per query tile, K and V read
// in place). Device spaces run flash_device.hpp: register-blocked threads, Q/K/V chunks staged in
// level-0 team scratch. kHostTiles = false runs the device path on a host space too (one thread
// per team), which is how the tests check the GPU path's logic on a CPU.
#include <string>
#include <type_traits>

#include "kernels/attention/common/cpu_tile.hpp"
#include "kernels/attention/common/flash_device.hpp"
#include "kernels/attention/common/flash_policy.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

static_assert(kQueryTile == cpu::kMaxTileRows && kKeyTile == cpu::kMaxTileCols,
              "the host micro-kernels are register-blocked for these tile sizes");

// Host spaces (team size 1): the whole query tile per key tile through the register-blocked
// micro-kernels, on a key-major score tile p_s[c][r].
template <class Policy>
struct FlashHostForward {
  View4<const float> q, k, v;
  View4<float> o;
  AttentionShape s;
  Policy policy;
  int q_tiles;

  static std::size_t scratch_bytes(const AttentionShape& s) {
    return ScratchView2<float>::shmem_size(s.head_dim, kQueryTile) +   // Q^T, scaled
           ScratchView2<float>::shmem_size(kKeyTile, kQueryTile) +     // scores -> probabilities
           ScratchView2<float>::shmem_size(kQueryTile, s.value_dim) +  // output accumulators
           3 * ScratchView1<float>::shmem_size(kQueryTile);            // m, l, alpha
  }

  // The mask and score mod over one score row p[c * step], c < cols, of row i at keys k0...
  void apply_policy(int b, int h, int i, int k0, int cols, float* p, int step) const {
    const int kb = policy.key_begin(b, h, i), ke = policy.key_end(b, h, i);
    if (k0 + cols <= kb || k0 >= ke) {  // tile outside the row's range
      for (int c = 0; c < cols; ++c) p[c * step] = kx::lowest_float();
      return;
    }
    if (fully_visible<Policy>(kb, ke, k0, cols)) return;
    for (int c = 0; c < cols; ++c)
      p[c * step] = masked_score(policy, b, h, i, k0 + c, kb, ke, p[c * step]);
  }

  void operator()(const TeamMember& team) const {
    const QueryTile tile(team.league_rank(), q_tiles, s);
    const int b = tile.b, h = tile.h, hk = tile.hk, qt = tile.qt, i0 = tile.i0, rows = tile.rows;

    ScratchView2<float> qt_s(team.team_scratch(0), s.head_dim, kQueryTile);
    ScratchView2<float> p_s(team.team_scratch(0), kKeyTile, kQueryTile);
    ScratchView2<float> o_s(team.team_scratch(0), kQueryTile, s.value_dim);
    ScratchView1<float> m_s(team.team_scratch(0), kQueryTile);
    ScratchView1<float> l_s(team.team_scratch(0), kQueryTile);
    ScratchView1<float> a_s(team.team_scratch(0), kQueryTile);

    for (int r = 0; r < kQueryTile; ++r) {  // Q^T, rows past `rows` zero
      if (r < rows) {
        const float* q_row = &q(b, h, i0 + r, 0);
        for (int d = 0; d < s.head_dim; ++d) qt_s(d, r) = q_row[d] * s.scale;
      } else {
        for (int d = 0; d < s.head_dim; ++d) qt_s(d, r) = 0.f;
      }
    }
    for (int r = 0; r < rows; ++r) {
      if constexpr (PolicyHasSink<Policy>) {  // the sink: logit with a zero value vector
        m_s(r) = policy.sink_logit(b, h);
        l_s(r) = 1.f;
      } else {
        m_s(r) = kx::lowest_float();
        l_s(r) = 0.f;
      }
      for (int d = 0; d < s.value_dim; ++d) o_s(r, d) = 0.f;
    }

    const TileSpans<Policy> spans(policy, b, h, qt, i0, rows, s.seq_kv);
    spans.for_each_tile([&](int k0, int cols) {
      float* st = p_s.data();
      cpu::tile_scores_key_major(qt_s.data(), &k(b, hk, k0, 0), s.head_dim, rows, cols, s.head_dim,
                                 st);
      for (int r = 0; r < rows; ++r) apply_policy(b, h, i0 + r, k0, cols, st + r, kQueryTile);
      cpu::tile_online_softmax_key_major(st, m_s.data(), l_s.data(), a_s.data(), rows, cols);
      const float* vp;
      int ldv;
      if constexpr (PolicyValuesFromKeys<Policy>) {
        vp = &k(b, hk, k0, 0);
        ldv = s.head_dim;
      } else {
        vp = &v(b, hk, k0, 0);
        ldv = s.value_dim;
      }
      cpu::tile_pv(st, 1, kQueryTile, vp, ldv, a_s.data(), rows, cols, s.value_dim, o_s.data(),
                   s.value_dim);
    });
    for (int r = 0; r < rows; ++r) {  // one reciprocal per row, unit-stride rows
      const float inv_l = l_s(r) > 0.f ? 1.f / l_s(r) : 0.f;
      float* o_row = &o(b, h, i0 + r, 0);
      for (int d = 0; d < s.value_dim; ++d) {
        const float out = o_s(r, d) * inv_l;
        if constexpr (PolicyHasFinish<Policy>)
          o_row[d] = policy.finish(b, h, i0 + r, d, out);
        else
          o_row[d] = out;
      }
    }
  }
};

// Host path of the row-major micro-kernels (normalizer skeleton): K^T per 64-key tile, zero-padded,
// so the score micro-kernel reads unit stride.
inline View1<float> pack_keys_transposed(const View4<const float>& k, const AttentionShape& s) {
  const int tiles = (s.seq_kv + kKeyTile - 1) / kKeyTile;
  const int depth = s.head_dim;
  View1<float> kt(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string("moat_kt_packed")),
                  std::size_t(s.batch) * s.heads_kv * tiles * depth * kKeyTile);
  const int n = s.seq_kv, heads_kv = s.heads_kv;
  Kokkos::parallel_for(
      "moat::attention::pack_keys", RangePolicy(0, s.batch * heads_kv * tiles),
      KOKKOS_LAMBDA(int idx) {
        const int t = idx % tiles, hk = idx / tiles % heads_kv, b = idx / tiles / heads_kv;
        float* dst = kt.data() + std::size_t(idx) * depth * kKeyTile;
        for (int c = 0; c < kKeyTile; ++c) {
          const int j = t * kKeyTile + c;
          for (int d = 0; d < depth; ++d) dst[d * kKeyTile + c] = j < n ? k(b, hk, j, d) : 0.f;
        }
      });
  return kt;
}

// Runs softmax attention over (q, k, v) into o with the given mask/score policy. kHostTiles =
// false runs the device tile path (flash_device.hpp) on a host space too, for tests. Q, K, V and O
// are stored as T (float, bf16, fp16); the math is fp32. The host micro-kernels read fp32, so
// hosts run 16-bit storage through the device tile path with one thread per team. `split`: key
// splits of decode-shaped problems on the device path (flash_split_plan), built once per problem.
template <class Policy, bool kHostTiles = kExecOnHost, class T = float>
void flash_forward(const std::type_identity_t<View4<const T>>& q,
                   const std::type_identity_t<View4<const T>>& k,
                   const std::type_identity_t<View4<const T>>& v, const View4<T>& o,
                   const AttentionShape& s, const Policy& policy,
                   const FlashSplitPlan* split = nullptr) {
  static_assert(kExecOnHost || !kHostTiles, "the host micro-kernels run on host spaces only");
  if constexpr (kHostTiles && std::is_same_v<T, float>) {
    using Functor = FlashHostForward<Policy>;
    Functor f{q, k, v, o, s, policy, (s.seq_q + kQueryTile - 1) / kQueryTile};
    TeamPolicy tp(s.batch * s.heads_q * f.q_tiles, 1);
    tp.set_scratch_size(0, Kokkos::PerTeam(Functor::scratch_bytes(s)));
    Kokkos::parallel_for("moat::attention::flash_forward", tp, f);
  } else {
    flash_forward_device_path<Policy, T>(q, k, v, o, s, policy, split);
  }
}

}  // namespace moat::attention
