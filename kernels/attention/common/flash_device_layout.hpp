#pragma once
// The team layouts of the register-blocked tile paths (flash_device_tiles.hpp explains them), the
// rows a team holds, the key tiles it walks, and the geometry of its scratch stage buffers.
#include <type_traits>

#include "kernels/attention/common/flash_cost.hpp"  // kFlashTeamRows
#include "kernels/attention/common/shape.hpp"
#include "kernels/common/packet.hpp"
#include "kernels/common/views.hpp"

namespace moat::attention {

inline constexpr int kFlashDepthChunk = 16;  // head_dim columns of Q and K per score stage
// Floats of a value stage's V chunk: kValueChunk = this / kOutCols keys, so that it fits the
// buffer of a score stage (kFlashDepthChunk x (64 + 4 + 64 + 4) = 2176 floats).
inline constexpr int kFlashValueStageFloats = 2048;

template <int ThreadsM, int ThreadsN, int OutCols, int MinTeamsPerSM = 1>
struct FlashTiling {
  static constexpr int kThreadsM = ThreadsM, kThreadsN = ThreadsN;
  static constexpr int kThreads = ThreadsM * ThreadsN;
  static constexpr int kRows = kFlashTeamRows;
  static constexpr int kRowsPerThread = kRows / ThreadsM;
  static constexpr int kKeysPerThread = kKeyTile / ThreadsN;
  static constexpr int kOutCols = OutCols;
  static constexpr int kOutPerThread = OutCols / ThreadsN;
  static constexpr int kDepthChunk = kFlashDepthChunk;
  static constexpr int kValueChunk = kFlashValueStageFloats / OutCols;  // keys per value stage
  // GPU launch bound: resident teams per SM the register allocation must allow.
  static constexpr int kMinTeamsPerSM = MinTeamsPerSM;
  static_assert(kRows % (4 * ThreadsM) == 0 && kKeyTile % (4 * ThreadsN) == 0 &&
                    OutCols % (4 * ThreadsN) == 0,
                "whole runs of 4 rows / keys / columns per thread");
  static_assert(ThreadsN <= 32 && 32 % ThreadsN == 0, "the threads of a row share a warp");
  static_assert(kValueChunk > 0 && kKeyTile % kValueChunk == 0, "whole value stages per tile");
};

// Value columns per pass of the tile paths: 64, 128 or 256 (wider values run in passes that
// recompute the scores, so wide latent values take the 256-column layout).
inline int flash_out_cols(int value_dim) {
  return value_dim <= 64 ? 64 : value_dim <= 128 ? 128 : 256;
}

// GPU layouts. 64 and 128 columns: 128 threads, 4 rows x 8 keys of scores and 4 rows x 16 (or 8)
// value columns per thread, two teams (8 warps) per SM: the 128-column tile needs ~255 registers
// (three teams would need 168: spills). 256 columns: 256 threads, 4 rows x 4 keys and 4 rows x 16
// columns per thread, one team (8 warps) per SM.
template <int OutCols>
using DeviceFlashTiling = std::conditional_t<OutCols <= 128, FlashTiling<16, 8, OutCols, 2>,
                                             FlashTiling<16, 16, OutCols, 1>>;
template <int OutCols>
using SerialFlashTiling = FlashTiling<1, 1, OutCols>;

// Kokkos team policy of a tiling: GPU launch bounds from its team size and teams per SM.
template <class Tiling>
using FlashTeamPolicy = BoundedTeamPolicy<Tiling::kThreads, Tiling::kMinTeamsPerSM>;

// Calls f(Tiling{}) with the layout for value_dim: the GPU layouts on device spaces, the
// one-thread layouts of the same width on host spaces.
template <class F>
void with_flash_tiling(int value_dim, F&& f) {
  const int cols = flash_out_cols(value_dim);
  if constexpr (kExecOnHost) {
    if (cols == 64)
      f(SerialFlashTiling<64>{});
    else if (cols == 128)
      f(SerialFlashTiling<128>{});
    else
      f(SerialFlashTiling<256>{});
  } else {
    if (cols == 64)
      f(DeviceFlashTiling<64>{});
    else if (cols == 128)
      f(DeviceFlashTiling<128>{});
    else
      f(DeviceFlashTiling<256>{});
  }
}

// The query rows a team holds. Contiguous (prefill): rows [i0, i0 + rows) of query head h0.
// Packed (decode-shaped: few query tokens, several query heads per KV head): tile row r is
// p = i0 + r of KV head hk's group, p = g * seq_q + i for query head hk * group + g and token i,
// so every head of a group shares one pass over the K/V tiles.
struct TileRows {
  int b, hk, h0, i0, rows, seq_q, group;
  bool packed;
  KOKKOS_INLINE_FUNCTION int head(int r) const {
    return packed ? hk * group + (i0 + r) / seq_q : h0;
  }
  KOKKOS_INLINE_FUNCTION int query(int r) const { return packed ? (i0 + r) % seq_q : i0 + r; }
};

// Key tiles [lo, hi) of 64 keys, in order (KeyTileRange::next).
struct KeyTileRange {
  int lo, hi;  // keys
  KOKKOS_INLINE_FUNCTION int next(int after) {
    const int t = kx::max(lo / kKeyTile, after + 1);
    return lo < hi && t * kKeyTile < hi ? t : -1;
  }
};

// 16-byte runs of scratch (16-byte aligned) into / out of a thread's registers.
KOKKOS_FORCEINLINE_FUNCTION void load4(const float* p, float* x) {
  const Packet<float> v = load_packet(p);
  x[0] = v.v[0], x[1] = v.v[1], x[2] = v.v[2], x[3] = v.v[3];
}
KOKKOS_FORCEINLINE_FUNCTION void store4(float* p, float a, float b, float c, float d) {
  store_packet(p, Packet<float>{{a, b, c, d}});
}

// Floats of one stage buffer: a score stage's Q^T and K^T chunks or a value stage's V chunk. The
// transposed chunks are padded by 4 floats: rows stay 16-byte aligned, and a warp's LDS.128 of
// neighbouring threads stay on distinct banks.
template <int BQ, int BK, int DC, int VC, int OC>
struct StageLayout {
  static constexpr int kQtStride = BQ + 4, kKtStride = BK + 4;
  static constexpr int kQtOff = 0, kKtOff = DC * kQtStride;
  static constexpr int kScoreFloats = kKtOff + DC * kKtStride;
  static constexpr int kFloats = kScoreFloats > VC* OC ? kScoreFloats : VC* OC;
};

}  // namespace moat::attention
