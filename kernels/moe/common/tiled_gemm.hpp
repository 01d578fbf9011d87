#pragma once
// The compute-bound device path of the grouped GEMM (row blocks of many rows): one team per
// (row block, column block) of C, the classic register-blocked SGEMM structure.
//  - A team of kThreads computes kRows x kCols outputs; each thread an 8 x 8 block (GPUs) held
//    in registers: rows {tm*4 + i, kRows/2 + tm*4 + i} and columns {tn*4 + j, kCols/2 + tn*4 +
//    j}, so every per-step read of A^T and B from scratch is one 16-byte LDS per half: 4 LDS.128
//    feed 64 FMAs, the threads of a warp read 16 consecutive B packets (no bank conflicts) and
//    broadcast two A packets.
//  - kDepth-deep slices of A (transposed) and B go through two scratch buffers: the next slice
//    is loaded from global memory into registers (16-byte packets where aligned) while the
//    current one is multiplied, then stored to the other buffer; one barrier per slice.
//  - Two-input epilogues (gated FFNs) see the B tile as kCols/2 columns of B1 next to the same
//    columns of B2: a thread owns both halves of its outputs, so the epilogue stays in registers
//    and the accumulator count does not double.
// The tiling is a template parameter: GPUs use DeviceGemmTiling128 / 64; a one-thread tiling runs
// the same code on a host team, which is how CPU tests check the GPU path. Storage T may be float,
// bf16 or fp16 (storage.hpp): loads convert to fp32, C is rounded to T once per output.
#include <stdexcept>
#include <type_traits>

#include "kernels/moe/common/gemm_operands.hpp"

namespace moat::moe {

struct IdentityEpilogue {
  static constexpr bool two_inputs = false;
  KOKKOS_INLINE_FUNCTION float operator()(float a, float) const { return a; }
};

template <int Rows, int Cols, int Depth, int ThreadRows, int ThreadCols>
struct GemmTiling {
  static constexpr int kRows = Rows, kCols = Cols, kDepth = Depth;
  static constexpr int kThreadRows = ThreadRows, kThreadCols = ThreadCols;
  static constexpr int kThreadsM = Rows / ThreadRows, kThreadsN = Cols / ThreadCols;
  static constexpr int kThreads = kThreadsM * kThreadsN;
  static_assert(Rows % ThreadRows == 0 && Cols % ThreadCols == 0, "whole thread blocks");
  static_assert(ThreadRows % 8 == 0 && ThreadCols % 8 == 0, "two halves of 16-byte reads");
};

// 128 x 128 outputs per team of 256 threads, 16-deep slices: 33 KB of scratch (two buffers).
using DeviceGemmTiling128 = GemmTiling<128, 128, 16, 8, 8>;
// 64 x 128 per team of 128 threads (25 KB): experts with a few dozen rows.
using DeviceGemmTiling64 = GemmTiling<64, 128, 16, 8, 8>;
using DeviceGemmTiling = DeviceGemmTiling64;
// One thread per team (host spaces): the device code path, for tests. Columns cover one 16-byte
// bf16 packet per half.
using SerialGemmTiling = GemmTiling<8, 16, 8, 8, 16>;

// Kokkos launch bounds: one 256-thread team or three 128-thread teams per SM, which leaves the
// 8 x 8 register blocks (about 150 registers with the loads in flight) room without spills.
template <int Threads>
using RegisterBounds = Kokkos::LaunchBounds<Threads, (Threads < 384 ? 384 / Threads : 1)>;

// Blocks are (expert, row0, rows) rows of a [n][3] device list.
using BlockList = Kokkos::View<const int* [3], Kokkos::LayoutRight, MemSpace>;

// C[row0 + r, c] (+)= epi(A[row0 + r, :] B1[e][:, c], A[row0 + r, :] B2[e][:, c]) for each block
// (e, row0, rows) of the list; rows may exceed kRows (the team walks them in kRows blocks).
template <class Epilogue, class Tiling, class T = float>
struct TiledGroupedGemm {
  static constexpr bool kTwo = Epilogue::two_inputs;
  static constexpr int BM = Tiling::kRows, BN = Tiling::kCols, BK = Tiling::kDepth;
  static constexpr int TM = Tiling::kThreadRows, TN = Tiling::kThreadCols;
  static constexpr int kThreads = Tiling::kThreads, kThreadsN = Tiling::kThreadsN;
  static constexpr int L = kPacketLanes<T>;            // elements per global load
  static constexpr int kOutCols = kTwo ? BN / 2 : BN;  // columns of C per team
  static constexpr int kAStride = BM + 4;  // padding spreads the transposing stores over banks
  static constexpr int kAPackets = BM * BK / L / kThreads;
  static constexpr int kBPackets = BK * BN / L / kThreads;
  static constexpr int kBufferFloats = BK * kAStride + BK * BN;
  static_assert(BK % L == 0 && (BN / 2) % L == 0, "packets stay inside a row and a B half");
  static_assert(kAPackets * L * kThreads == BM * BK && kBPackets * L * kThreads == BK * BN,
                "every thread loads whole packets");
  using Packet = Lanes<T, L>;
  using Policy = Kokkos::TeamPolicy<ExecSpace, LaunchArgs, RegisterBounds<kThreads>>;
  using Member = typename Policy::member_type;

  BlockList blocks;
  GemmOperands<T> op;
  Epilogue epi;
  int n_blocks = 0;
  bool accumulate = false;
  int dense_rows = -1;  // >= 0: no block list, block t is rows [t * BM, ...) of expert 0
  bool a_packets = false, b_packets = false, c_quads = false;

  static std::size_t scratch_bytes() { return 2 * kBufferFloats * sizeof(float) + 16; }
  int column_blocks() const { return (op.n + kOutCols - 1) / kOutCols; }

  // One team per (block, column block); consecutive teams share a column block of B.
  void launch(const char* name) {
    if (kTwo && (op.b1 == nullptr || op.b2 == nullptr)) throw std::invalid_argument(name);
    if (!op.int_offsets(BM)) throw std::length_error(name);
    a_packets = op.a_groups(L);
    b_packets = op.b_groups(L);
    c_quads = op.c_groups(4);
    if (n_blocks == 0 || op.n == 0) return;
    Policy tp(n_blocks * column_blocks(), kThreads);
    tp.set_scratch_size(0, Kokkos::PerTeam(scratch_bytes()));
    Kokkos::parallel_for(name, tp, *this);
  }

  // One slice's global loads, held in registers until stored to scratch.
  struct Slice {
    Packet a[kAPackets], b[kBPackets];
  };
  // Where a thread's packets of a slice come from: A rows of this block, B columns of this
  // column block (int offsets from per-team bases; launch checks they fit).
  struct Sources {
    const T* a;        // A row0 of the block
    const T* b1;       // B1 of the expert at column c0
    const T* b2;       // B2 likewise
    int rcount, cols;  // rows of the block, columns of C left from c0
  };

  KOKKOS_INLINE_FUNCTION void load(Slice& s, const Sources& src, unsigned tid, int k0) const {
    MOAT_UNROLL_BLOCK
    for (int l = 0; l < kAPackets; ++l) {
      const unsigned idx = tid + l * kThreads;
      const int r = int(idx / (BK / L)), kk = int(idx % (BK / L)) * L;
      const int valid = r < src.rcount ? op.k - (k0 + kk) : 0;
      const int at = valid > 0 ? r * int(op.lda) + k0 + kk : 0;
      s.a[l] = load_lanes<L>(src.a + at, valid, a_packets);
    }
    MOAT_UNROLL_BLOCK
    for (int l = 0; l < kBPackets; ++l) {
      const unsigned idx = tid + l * kThreads;
      const int kk = int(idx / (BN / L)), v = int(idx % (BN / L)) * L;
      const bool second = kTwo && v >= BN / 2;  // the B2 half of a two-input tile
      const int col = second ? v - BN / 2 : v;
      const int valid = k0 + kk < op.k ? src.cols - col : 0;
      const int at = valid > 0 ? (k0 + kk) * int(op.ldb) + col : 0;
      s.b[l] = load_lanes<L>((second ? src.b2 : src.b1) + at, valid, b_packets);
    }
  }

  KOKKOS_INLINE_FUNCTION void store(const Slice& s, unsigned tid, float* buf) const {
    float* as = buf;
    float* bs = buf + BK * kAStride;
    MOAT_UNROLL_BLOCK
    for (int l = 0; l < kAPackets; ++l) {
      const unsigned idx = tid + l * kThreads;
      const int r = int(idx / (BK / L)), kk = int(idx % (BK / L)) * L;
      MOAT_UNROLL_BLOCK
      for (int i = 0; i < L; ++i) as[(kk + i) * kAStride + r] = to_float(s.a[l].v[i]);
    }
    MOAT_UNROLL_BLOCK
    for (int l = 0; l < kBPackets; ++l) {
      const unsigned idx = tid + l * kThreads;
      const int kk = int(idx / (BN / L)), v = int(idx % (BN / L)) * L;
      MOAT_UNROLL_BLOCK
      for (int q = 0; q < L / 4; ++q) {
        Lanes<float, 4> x;
        for (int i = 0; i < 4; ++i) x.v[i] = to_float(s.b[l].v[4 * q + i]);
        store_group<4>(bs + kk * BN + v + 4 * q, x);
      }
    }
  }

  // acc += the slice in buf: per step, two A^T halves and two B halves of 16-byte reads.
  KOKKOS_INLINE_FUNCTION void multiply(const float* buf, int tm, int tn,
                                       float (&acc)[TM][TN]) const {
    const float* as = buf + tm * (TM / 2);
    const float* bs = buf + BK * kAStride + tn * (TN / 2);
    MOAT_UNROLL_BLOCK
    for (int kk = 0; kk < BK; ++kk) {
      float av[TM], bv[TN];
      MOAT_UNROLL_BLOCK
      for (int h = 0; h < 2; ++h) {
        for (int q = 0; q < TM / 8; ++q) {
          const auto x = load_group<4>(as + kk * kAStride + h * (BM / 2) + 4 * q);
          for (int i = 0; i < 4; ++i) av[h * (TM / 2) + 4 * q + i] = x.v[i];
        }
        for (int q = 0; q < TN / 8; ++q) {
          const auto x = load_group<4>(bs + kk * BN + h * (BN / 2) + 4 * q);
          for (int j = 0; j < 4; ++j) bv[h * (TN / 2) + 4 * q + j] = x.v[j];
        }
      }
      MOAT_UNROLL_BLOCK
      for (int i = 0; i < TM; ++i) MOAT_UNROLL_BLOCK
      for (int j = 0; j < TN; ++j) acc[i][j] += av[i] * bv[j];
    }
  }

  // Epilogue and stores of one thread's outputs, four consecutive columns at a time.
  KOKKOS_INLINE_FUNCTION void write(const float (&acc)[TM][TN], int row0, int rcount, int c0,
                                    int tm, int tn) const {
    MOAT_UNROLL_BLOCK
    for (int i = 0; i < TM; ++i) {
      const int r = i / (TM / 2) * (BM / 2) + tm * (TM / 2) + i % (TM / 2);
      if (r >= rcount) continue;
      T* crow = op.c + (row0 + r) * op.ldc;
      constexpr int kHalves = kTwo ? 1 : 2;  // two-input: the second half is B2's
      MOAT_UNROLL_BLOCK
      for (int h = 0; h < kHalves; ++h) MOAT_UNROLL_BLOCK
      for (int q = 0; q < TN / 8; ++q) {
        const int col = c0 + h * (BN / 2) + tn * (TN / 2) + 4 * q;
        if (col >= op.n) continue;
        float v[4];
        MOAT_UNROLL_BLOCK
        for (int j = 0; j < 4; ++j) {
          const int jj = h * (TN / 2) + 4 * q + j;
          if constexpr (kTwo)
            v[j] = epi(acc[i][jj], acc[i][TN / 2 + jj]);
          else
            v[j] = epi(acc[i][jj], 0.f);
        }
        store_outputs4(crow + col, v, op.n - col, c_quads, accumulate);
      }
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const Member& team) const {
    const int t = team.league_rank() % n_blocks;
    const int c0 = team.league_rank() / n_blocks * kOutCols;
    int e = 0, row0 = t * BM, rows = kx::min(BM, dense_rows - row0);
    if (dense_rows < 0) e = blocks(t, 0), row0 = blocks(t, 1), rows = blocks(t, 2);
    const unsigned tid = unsigned(team.team_rank());
    const int tm = int(tid / kThreadsN), tn = int(tid % kThreadsN);
    auto* scratch = static_cast<float*>(
        team.team_scratch(0).get_shmem_aligned(2 * kBufferFloats * sizeof(float), 16));
    const std::int64_t b_at = e * op.ldb_expert + c0;

    for (int rb = 0; rb < rows; rb += BM) {
      const Sources src{op.a + (row0 + rb) * op.lda, op.b1 + b_at, op.b2 + b_at,
                        kx::min(BM, rows - rb), op.n - c0};
      float acc[TM][TN];
      MOAT_UNROLL_BLOCK
      for (int i = 0; i < TM; ++i) MOAT_UNROLL_BLOCK
      for (int j = 0; j < TN; ++j) acc[i][j] = 0.f;
      Slice next;
      load(next, src, tid, 0);
      store(next, tid, scratch);
      team.team_barrier();
      int buf = 0;
      for (int k0 = 0; k0 < op.k; k0 += BK, buf ^= 1) {
        const bool more = k0 + BK < op.k;
        if (more) load(next, src, tid, k0 + BK);
        multiply(scratch + buf * kBufferFloats, tm, tn, acc);
        // The other buffer was last read before the previous barrier.
        if (more) store(next, tid, scratch + (buf ^ 1) * kBufferFloats);
        team.team_barrier();
      }
      write(acc, row0 + rb, src.rcount, c0, tm, tn);
    }
  }
};

// Launches the tiled kernel over the first n_blocks blocks (tiles or merged row blocks).
template <class Tiling, class Epilogue, class T>
void tiled_grouped_gemm(const BlockList& blocks, int n_blocks,
                        const std::type_identity_t<View2<const T>>& a,
                        const std::type_identity_t<View3<const T>>& b1,
                        const std::type_identity_t<View3<const T>>& b2, const View2<T>& c,
                        Epilogue epi, bool accumulate) {
  TiledGroupedGemm<Epilogue, Tiling, T> f;
  f.blocks = blocks;
  f.op = GemmOperands<T>(a, b1, b2, c);
  f.epi = epi;
  f.n_blocks = n_blocks;
  f.accumulate = accumulate;
  f.launch("moat::moe::tiled_grouped_gemm");
}

// c (rows x N) = a (rows x K) b (K x N) through the same kernel, without a block list: the
// dense projections around the experts, e.g. router logits.
template <class Tiling, class T>
void tiled_dense_gemm(const std::type_identity_t<View2<const T>>& a,
                      const std::type_identity_t<View2<const T>>& b, const View2<T>& c) {
  const int rows = int(a.extent(0));
  if (rows == 0) return;
  const View3<const T> b3(b.data(), 1, b.extent(0), b.extent(1));
  TiledGroupedGemm<IdentityEpilogue, Tiling, T> f;
  f.op = GemmOperands<T>(a, b3, b3, c);
  f.op.ldb = std::int64_t(b.stride(0));  // b may be a padded or offset view
  f.op.ldb_expert = 0;
  f.n_blocks = (rows + Tiling::kRows - 1) / Tiling::kRows;
  f.dense_rows = rows;
  f.launch("moat::moe::tiled_dense_gemm");
}

}  // namespace moat::moe
