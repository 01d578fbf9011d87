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
// in place); device spaces stage K^T and V in team scratch and give each thread one query row.
// kHostTiles = false runs that portable per-row path on a host space too (team size 1), which is
// how the tests check the GPU path's logic on a CPU.
#include <string>

#include "kernels/attention/common/cpu_tile.hpp"
#include "kernels/attention/common/online_softmax.hpp"
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/team_loops.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

static_assert(kQueryTile == cpu::kMaxTileRows && kKeyTile == cpu::kMaxTileCols,
              "the host micro-kernels are register-blocked for these tile sizes");

template <class P>
concept PolicyHasSpans = requires(const P& p, int& x) {
  p.span_count(0, 0, 0);
  p.span(0, 0, 0, 0, x, x);
};
template <class P>
concept PolicyHasSink = requires(const P& p) { p.sink_logit(0, 0); };
template <class P>
concept PolicyHasFinish = requires(const P& p) { p.finish(0, 0, 0, 0, 0.f); };
template <class P>
concept PolicyValuesFromKeys = requires { requires P::kValuesFromKeys; };
template <class P>
concept PolicyRangeIsMask = requires { requires P::kRangeIsMask; };
template <class P>
concept PolicyPlainScore = requires { requires P::kPlainScore; };

// Key spans a query tile reads: the listed ones, or the union of its rows' [key_begin, key_end).
template <class Policy>
struct TileSpans {
  const Policy& p;
  int b, h, qt, i0, rows, seq_kv;
  int lo = 0, hi = 0;  // contiguous case

  KOKKOS_INLINE_FUNCTION TileSpans(const Policy& pol, int b_, int h_, int qt_, int i0_, int rows_,
                                   int n)
      : p(pol), b(b_), h(h_), qt(qt_), i0(i0_), rows(rows_), seq_kv(n) {
    if constexpr (!PolicyHasSpans<Policy>) {
      lo = seq_kv;
      for (int r = 0; r < rows; ++r) {
        lo = kx::min(lo, p.key_begin(b, h, i0 + r));
        hi = kx::max(hi, p.key_end(b, h, i0 + r));
      }
      lo = kx::max(lo, 0);
      hi = kx::min(hi, seq_kv);
    }
  }
  KOKKOS_INLINE_FUNCTION int count() const {
    if constexpr (PolicyHasSpans<Policy>) return p.span_count(b, h, qt);
    else return hi > lo ? 1 : 0;
  }
  KOKKOS_INLINE_FUNCTION void get(int t, int& begin, int& end) const {
    if constexpr (PolicyHasSpans<Policy>) {
      p.span(b, h, qt, t, begin, end);
      begin = kx::max(begin, 0);
      end = kx::min(end, seq_kv);
    } else {
      (void)t;
      begin = lo;
      end = hi;
    }
  }
  // Calls f(k0, cols) once per 64-aligned key tile touched by any span, in order, never twice.
  template <class F>
  KOKKOS_INLINE_FUNCTION void for_each_tile(const F& f) const {
    int done = -1;  // last tile index processed (spans are sorted; adjacent ones share tiles)
    for (int t = 0; t < count(); ++t) {
      int begin, end;
      get(t, begin, end);
      if (end <= begin) continue;
      for (int tile = kx::max(begin / kKeyTile, done + 1); tile * kKeyTile < end; ++tile) {
        const int k0 = tile * kKeyTile;
        f(k0, kx::min(kKeyTile, seq_kv - k0));
        done = tile;
      }
    }
  }
};

template <class Policy, bool kHostTiles = kExecOnHost>
struct FlashForward {
  static_assert(kExecOnHost || !kHostTiles, "the host micro-kernels run on host spaces only");
  View4<const float> q, k, v;
  View4<float> o;
  AttentionShape s;
  Policy policy;
  int q_tiles;

  static std::size_t scratch_bytes(const AttentionShape& s) {
    return ScratchView2<float>::shmem_size(kQueryTile, s.head_dim) +    // q rows (host: Q^T), scaled
           ScratchView2<float>::shmem_size(s.head_dim, kKeyTile) +     // K tile, transposed
           ScratchView2<float>::shmem_size(kKeyTile, s.value_dim) +    // V tile
           ScratchView2<float>::shmem_size(kQueryTile, kKeyTile) +     // scores -> probabilities
           ScratchView2<float>::shmem_size(kQueryTile, s.value_dim) +  // output accumulators
           3 * ScratchView1<float>::shmem_size(kQueryTile);            // m, l, alpha
  }
  KOKKOS_INLINE_FUNCTION static int scratch_level() { return kExecOnHost ? 0 : 1; }

  KOKKOS_INLINE_FUNCTION float value(int b, int hk, int j, int d) const {
    if constexpr (PolicyValuesFromKeys<Policy>) return k(b, hk, j, d);
    else return v(b, hk, j, d);
  }

  // The mask and score mod over one score row p[c * step], c < cols, of row i at keys k0...
  KOKKOS_INLINE_FUNCTION void apply_policy(int b, int h, int i, int k0, int cols, float* p,
                                           int step) const {
    const int kb = policy.key_begin(b, h, i), ke = policy.key_end(b, h, i);
    if (k0 + cols <= kb || k0 >= ke) {  // tile outside the row's range
      for (int c = 0; c < cols; ++c) p[c * step] = kx::lowest_float();
      return;
    }
    if constexpr (PolicyRangeIsMask<Policy> && PolicyPlainScore<Policy>)
      if (kb <= k0 && k0 + cols <= ke) return;  // whole tile visible, scores unchanged
    for (int c = 0; c < cols; ++c) {
      const int j = k0 + c;
      bool vis;
      if constexpr (PolicyRangeIsMask<Policy>) vis = j >= kb && j < ke;
      else vis = j >= kb && j < ke && policy.visible(b, h, i, j);
      p[c * step] = vis ? policy.score(b, h, i, j, p[c * step]) : kx::lowest_float();
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const TeamMember& team) const {
    const int tile = team.league_rank();
    const int qt = tile % q_tiles;
    const int h = (tile / q_tiles) % s.heads_q;
    const int b = tile / q_tiles / s.heads_q;
    const int hk = h / s.group();
    const int i0 = qt * kQueryTile;
    const int rows = kx::min(kQueryTile, s.seq_q - i0);
    const int level = scratch_level();

    // Host: Q^T (head_dim x kQueryTile, rows past `rows` zero) for the key-major score kernel.
    ScratchView2<float> q_s(team.team_scratch(level), kHostTiles ? s.head_dim : kQueryTile,
                            kHostTiles ? kQueryTile : s.head_dim);
    ScratchView2<float> kt_s(team.team_scratch(level), s.head_dim, kKeyTile);
    ScratchView2<float> v_s(team.team_scratch(level), kKeyTile, s.value_dim);
    ScratchView2<float> p_s(team.team_scratch(level), kQueryTile, kKeyTile);
    ScratchView2<float> o_s(team.team_scratch(level), kQueryTile, s.value_dim);
    ScratchView1<float> m_s(team.team_scratch(level), kQueryTile);
    ScratchView1<float> l_s(team.team_scratch(level), kQueryTile);
    ScratchView1<float> a_s(team.team_scratch(level), kQueryTile);

    if constexpr (kHostTiles) {  // team size 1: the tile's rows in order, zeros past the end
      for (int r = 0; r < kQueryTile; ++r) {
        if (r < rows) {
          const float* q_row = &q(b, h, i0 + r, 0);
          for (int d = 0; d < s.head_dim; ++d) q_s(d, r) = q_row[d] * s.scale;
        } else {
          for (int d = 0; d < s.head_dim; ++d) q_s(d, r) = 0.f;
        }
      }
    } else {
      team_for_rows_cols(team, rows, s.head_dim,
                         [&](int r, int d) { q_s(r, d) = q(b, h, i0 + r, d) * s.scale; });
    }
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](int r) {
      if constexpr (PolicyHasSink<Policy>) {  // the sink: logit with a zero value vector
        m_s(r) = policy.sink_logit(b, h);
        l_s(r) = 1.f;
      } else {
        m_s(r) = kx::lowest_float();
        l_s(r) = 0.f;
      }
      for (int d = 0; d < s.value_dim; ++d) o_s(r, d) = 0.f;
    });

    const TileSpans<Policy> spans(policy, b, h, qt, i0, rows, s.seq_kv);
#if !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
    if constexpr (kHostTiles) {
      spans.for_each_tile([&](int k0, int cols) { host_tile(b, h, hk, i0, rows, k0, cols, q_s, p_s, o_s, m_s, l_s, a_s); });
    } else
#endif
    {
      spans.for_each_tile([&](int k0, int cols) {
        device_tile(team, b, h, hk, i0, rows, k0, cols, q_s, kt_s, v_s, p_s, o_s, m_s, l_s);
      });
    }
    team.team_barrier();
    const auto finish = [&](int r, int d, float out) {
      if constexpr (PolicyHasFinish<Policy>) return policy.finish(b, h, i0 + r, d, out);
      else return out;
    };
    if constexpr (kHostTiles) {  // one reciprocal per row, unit-stride rows
      for (int r = 0; r < rows; ++r) {
        const float inv_l = l_s(r) > 0.f ? 1.f / l_s(r) : 0.f;
        float* o_row = &o(b, h, i0 + r, 0);
        for (int d = 0; d < s.value_dim; ++d) o_row[d] = finish(r, d, o_s(r, d) * inv_l);
      }
    } else {
      team_for_rows_cols(team, rows, s.value_dim, [&](int r, int d) {
        const float l = l_s(r);
        o(b, h, i0 + r, d) = finish(r, d, l > 0.f ? o_s(r, d) / l : 0.f);
      });
    }
  }

  // Host: the whole query tile at once through the micro-kernels (team size 1), on a key-major
  // score tile p_s[c][r].
  void host_tile(int b, int h, int hk, int i0, int rows, int k0, int cols,
                 const ScratchView2<float>& qt_s, const ScratchView2<float>& p_s,
                 const ScratchView2<float>& o_s, const ScratchView1<float>& m_s,
                 const ScratchView1<float>& l_s, const ScratchView1<float>& a_s) const {
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
  }

  // Device: stage K^T and V in scratch, one thread per query row.
  KOKKOS_INLINE_FUNCTION void device_tile(const TeamMember& team, int b, int h, int hk, int i0,
                                          int rows, int k0, int cols,
                                          const ScratchView2<float>& q_s,
                                          const ScratchView2<float>& kt_s,
                                          const ScratchView2<float>& v_s,
                                          const ScratchView2<float>& p_s,
                                          const ScratchView2<float>& o_s,
                                          const ScratchView1<float>& m_s,
                                          const ScratchView1<float>& l_s) const {
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, cols * s.head_dim), [&](int idx) {
      const int c = idx / s.head_dim, d = idx % s.head_dim;
      kt_s(d, c) = k(b, hk, k0 + c, d);
    });
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, cols * s.value_dim), [&](int idx) {
      const int c = idx / s.value_dim, d = idx % s.value_dim;
      v_s(c, d) = value(b, hk, k0 + c, d);
    });
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, rows), [&](int r) {
      const int i = i0 + r;
      float* __restrict__ p = &p_s(r, 0);
      for (int c = 0; c < cols; ++c) p[c] = 0.f;
      for (int d = 0; d < s.head_dim; ++d) {
        const float qd = q_s(r, d);
        const float* __restrict__ kt = &kt_s(d, 0);
        for (int c = 0; c < cols; ++c) p[c] += qd * kt[c];
      }
      apply_policy(b, h, i, k0, cols, p, 1);
      float tile_max = kx::lowest_float();
      for (int c = 0; c < cols; ++c) tile_max = kx::max(tile_max, p[c]);
      if (tile_max == kx::lowest_float()) return;  // nothing visible in this tile
      OnlineSoftmaxState st{m_s(r), l_s(r)};
      const float alpha = st.rescale_to(tile_max);
      float sum = 0.f;
      for (int c = 0; c < cols; ++c) {
        const float e = p[c] == kx::lowest_float() ? 0.f : kx::exp(p[c] - st.m);
        p[c] = e;
        sum += e;
      }
      st.l += sum;
      float* __restrict__ out = &o_s(r, 0);
      for (int d = 0; d < s.value_dim; ++d) out[d] *= alpha;
      for (int c = 0; c < cols; ++c) {
        const float pc = p[c];
        const float* __restrict__ vr = &v_s(c, 0);
        for (int d = 0; d < s.value_dim; ++d) out[d] += pc * vr[d];
      }
      m_s(r) = st.m;
      l_s(r) = st.l;
    });
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
      "moat::attention::pack_keys", Kokkos::RangePolicy<ExecSpace>(0, s.batch * heads_kv * tiles),
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

// Runs softmax attention over (q, k, v) into o with the given mask/score policy.
template <class Policy, bool kHostTiles = kExecOnHost>
void flash_forward(const View4<const float>& q, const View4<const float>& k,
                   const View4<const float>& v, const View4<float>& o, const AttentionShape& s,
                   const Policy& policy) {
  using Functor = FlashForward<Policy, kHostTiles>;
  Functor f{q, k, v, o, s, policy, (s.seq_q + kQueryTile - 1) / kQueryTile};
  const int league = s.batch * s.heads_q * f.q_tiles;
  const int team_size = kExecOnHost ? 1 : kQueryTile;
  TeamPolicy tp(league, team_size);
  tp.set_scratch_size(Functor::scratch_level(), Kokkos::PerTeam(Functor::scratch_bytes(s)));
  Kokkos::parallel_for("moat::attention::flash_forward", tp, f);
}

}  // namespace moat::attention
