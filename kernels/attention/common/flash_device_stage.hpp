#pragma once
// The global-memory side of the register-blocked tile paths' pipeline (flash_device_tiles.hpp):
// which elements of Q, K and the values each thread copies per stage, the 16-byte packets that
// carry them through registers, and where they land in the stage buffer:
//   score stage (depth chunk d0):  Q^T [d][row] (scaled) and K^T [d][key], d < kDepthChunk;
//   value stage (keys kc...):      V [key][col], key < kValueChunk, col < kOutCols.
// Neighbouring threads copy neighbouring packets of one row (whole 32-byte sectors). Packets are
// raw storage elements (4 floats, 8 bf16 / fp16): converted to fp32 only when stored to scratch,
// so that a load's latency stays hidden behind the stage computed in between. Every load is a
// whole packet: rows must start 16-byte aligned and hold a whole number of packets (packet_rows()
// pads the rare views that do not; the padding is zero, so the math ignores it).
#include <string>
#include <utility>

#include "kernels/attention/common/flash_device_layout.hpp"
#include "kernels/common/packet.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

template <class Tiling, class T>
struct StageSource {
  static constexpr int L = Packet<T>::kLanes;
  static constexpr int BQ = Tiling::kRows, BK = kKeyTile, OC = Tiling::kOutCols;
  static constexpr int DC = Tiling::kDepthChunk, VC = Tiling::kValueChunk;
  static constexpr int kThreads = Tiling::kThreads;
  using Layout = StageLayout<BQ, BK, DC, VC, OC>;
  static constexpr int kDepthPackets = DC / L;  // per Q / K row of a score stage
  static constexpr int kValuePackets = OC / L;  // per V row of a value stage
  // Packets of each operand per stage, and per thread (the last threads may copy fewer).
  static constexpr int kQPackets = BQ * kDepthPackets, kKPackets = BK * kDepthPackets;
  static constexpr int kVPackets = VC * kValuePackets;
  static constexpr int kQItems = (kQPackets + kThreads - 1) / kThreads;
  static constexpr int kKItems = (kKPackets + kThreads - 1) / kThreads;
  static constexpr int kVItems = (kVPackets + kThreads - 1) / kThreads;
  static constexpr int kPrefetch = kQItems + kKItems > kVItems ? kQItems + kKItems : kVItems;
  static_assert(DC % L == 0 && OC % L == 0 && L % 4 == 0, "whole packets per chunk row");

  // Whether item `it` of this thread is packet n < total (always, when the threads divide it).
  template <int kTotal>
  KOKKOS_FORCEINLINE_FUNCTION static bool copies(int n) {
    return kTotal % kThreads == 0 || n < kTotal;
  }

  const T* qrow[kQItems];  // this thread's Q rows (null past the team's rows)
  const T* key0;           // key 0 of the KV head
  const T* value0;         // column dv0 of value row 0
  // Row strides; offsets within one KV head are 32-bit (one multiply-add per address), which
  // holds while seq_kv * row stride < 2^32.
  unsigned ldk, ldv;
  int head_dim, ocols, seq_kv, tid;
  float scale;

  KOKKOS_INLINE_FUNCTION StageSource(const View4<const T>& q, const View4<const T>& k,
                                     const View4<const T>& values, const AttentionShape& s,
                                     const TileRows& tr, int dv0, int tid_)
      : key0(&k(tr.b, tr.hk, 0, 0)),
        value0(&values(tr.b, tr.hk, 0, dv0)),
        ldk(unsigned(k.extent(3))),
        ldv(unsigned(values.extent(3))),
        head_dim(s.head_dim),
        ocols(kx::min(OC, s.value_dim - dv0)),
        seq_kv(s.seq_kv),
        tid(tid_),
        scale(s.scale) {
    for (int it = 0; it < kQItems; ++it) {
      const int n = tid + kThreads * it, r = n / kDepthPackets;
      qrow[it] =
          copies<kQPackets>(n) && r < tr.rows ? &q(tr.b, tr.head(r), tr.query(r), 0) : nullptr;
    }
  }

  KOKKOS_INLINE_FUNCTION int depth_stages() const { return (head_dim + DC - 1) / DC; }
  KOKKOS_INLINE_FUNCTION int cols(int k0) const { return kx::min(BK, seq_kv - k0); }

  // The packet at p if it holds any of the n valid elements of its row (n > 0), else zeros.
  KOKKOS_FORCEINLINE_FUNCTION static Packet<T> fetch(const T* p, int n) {
    Packet<T> x{};
    if (n > 0) x = load_packet(p);
    return x;
  }

  // Stage `step` of the key tile at k0 (score stages first, then value stages) into registers.
  KOKKOS_FORCEINLINE_FUNCTION void load(int k0, int step, Packet<T> (&pre)[kPrefetch]) const {
    const int nd = depth_stages(), n_cols = cols(k0);
    if (step < nd) {
      for (int it = 0; it < kQItems; ++it) {  // qrow is null past the packets (r >= rows)
        const int d = step * DC + (tid + kThreads * it) % kDepthPackets * L;
        pre[it] = fetch(qrow[it] + d, qrow[it] ? head_dim - d : 0);
      }
      for (int it = 0; it < kKItems; ++it) {
        const int n = tid + kThreads * it, c = n / kDepthPackets;
        const int d = step * DC + n % kDepthPackets * L;
        pre[kQItems + it] = fetch(key0 + (unsigned(k0 + c) * ldk + d),
                                  copies<kKPackets>(n) && c < n_cols ? head_dim - d : 0);
      }
    } else {
      const int kc = (step - nd) * VC;
      for (int it = 0; it < kVItems; ++it) {
        const int n = tid + kThreads * it, key = kc + n / kValuePackets;
        const int c = n % kValuePackets * L;
        pre[it] = fetch(value0 + (unsigned(k0 + key) * ldv + c),
                        copies<kVPackets>(n) && key < n_cols ? ocols - c : 0);
      }
    }
  }

  // The registers of stage `step` into a stage buffer, as fp32.
  KOKKOS_FORCEINLINE_FUNCTION void store(int step, const Packet<T> (&pre)[kPrefetch],
                                         float* st) const {
    if (step < depth_stages()) {
      for (int it = 0; it < kQItems; ++it) {
        const int n = tid + kThreads * it, r = n / kDepthPackets, d = n % kDepthPackets * L;
        if (copies<kQPackets>(n))
          for (int e = 0; e < L; ++e)
            st[Layout::kQtOff + (d + e) * Layout::kQtStride + r] = to_float(pre[it].v[e]) * scale;
      }
      for (int it = 0; it < kKItems; ++it) {
        const int n = tid + kThreads * it, c = n / kDepthPackets, d = n % kDepthPackets * L;
        if (copies<kKPackets>(n))
          for (int e = 0; e < L; ++e)
            st[Layout::kKtOff + (d + e) * Layout::kKtStride + c] = to_float(pre[kQItems + it].v[e]);
      }
    } else {
      for (int it = 0; it < kVItems; ++it) {
        const int n = tid + kThreads * it;
        float* dst = st + n / kValuePackets * OC + n % kValuePackets * L;
        const T* x = pre[it].v;
        if (copies<kVPackets>(n))
          for (int e = 0; e < L; e += 4)
            store4(dst + e, to_float(x[e]), to_float(x[e + 1]), to_float(x[e + 2]),
                   to_float(x[e + 3]));
      }
    }
  }
};

// x itself when its rows start 16-byte aligned and hold a whole number of packets (what
// StageSource reads); else a copy with rows padded by zeros to whole packets. Kokkos allocations
// are aligned: only odd dims copy.
template <class T>
View4<const T> packet_rows(const View4<const T>& x) {
  constexpr int L = Packet<T>::kLanes;
  const int width = int(x.extent(3));
  if (packet_aligned(x.data()) && width % L == 0) return x;
  View4<T> padded(std::string("moat_packet_rows"), x.extent(0), x.extent(1), x.extent(2),
                  (width + L - 1) / L * L);  // zero-initialized
  Kokkos::deep_copy(
      Kokkos::subview(padded, Kokkos::ALL, Kokkos::ALL, Kokkos::ALL, std::make_pair(0, width)), x);
  return padded;
}

}  // namespace moat::attention
