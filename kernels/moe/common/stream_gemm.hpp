#pragma once
// The weight-streaming device path of the grouped GEMM: row blocks of a few rows (decode), where
// the time is reading each expert's B once. Every B element is used by one thread only, so B
// goes from global memory straight into registers (no scratch), four columns per lane (a 16-byte
// fp32 or 8-byte bf16 / fp16 load), and each step's loads are issued one step ahead of its FMAs.
//  - A team covers kOutCols = kColLanes * 4 columns of C for all (<= kRows) rows of one block and
//    one chunk of K. Its warps split the rows into kRowGroups (so a thread keeps at most
//    kAccPerThread accumulators) and each stage's depth into kKParts: warp (g, p) takes rows
//    g*kThreadRows.. and the p-th kPartDepth-deep slice of every stage; the k-parts are summed
//    through scratch at the end (warps of one k-part but different row groups read the same B:
//    L1 hits).
//  - Rows of A are few: kStage-deep stages of A (all rows) sit in two scratch buffers; the next
//    stage is loaded while the current one is used, one barrier per stage.
//  - Split-K: with few experts and columns, teams alone do not fill the GPU, so K is cut into
//    chunks; each team writes fp32 partial sums to a workspace [chunk][row][input * N + col] and
//    a second kernel (StreamFinalize) adds the chunks, applies the (two-input, nonlinear)
//    epilogue, accumulates and rounds to T. With one chunk the team does that itself.
// A one-thread tiling runs the same code on host teams (tests).
#include <algorithm>
#include <stdexcept>

#include "kernels/moe/common/tiled_gemm.hpp"

namespace moat::moe {

template <int Threads, int ColLanes, int Rows, int Stage, int AccPerThread>
struct StreamTiling {
  static constexpr int kThreads = Threads, kColLanes = ColLanes, kRows = Rows, kStage = Stage;
  static constexpr int kAccPerThread = AccPerThread;
};

// 256 threads, 128 columns, 16-row blocks, 128-deep stages of A, 64 accumulators per thread.
using DeviceStreamTiling = StreamTiling<256, 32, 16, 128, 64>;
// One thread per team (host spaces), 4 columns: the device code path, for tests.
using SerialStreamTiling = StreamTiling<1, 1, 16, 32, 128>;

template <class Epilogue, class Tiling, class T = float>
struct StreamGroupedGemm {
  static constexpr bool kTwo = Epilogue::two_inputs;
  static constexpr int kInputs = kTwo ? 2 : 1;
  static constexpr int kThreads = Tiling::kThreads, kColLanes = Tiling::kColLanes;
  static constexpr int kRows = Tiling::kRows, KS = Tiling::kStage;
  static constexpr int kOutCols = kColLanes * 4;
  static constexpr int kThreadRows = std::min(kRows, Tiling::kAccPerThread / (4 * kInputs));
  static constexpr int kRowGroups = kRows / kThreadRows;
  static constexpr int kKParts = kThreads / (kColLanes * kRowGroups);
  static constexpr int kPartDepth = KS / kKParts;  // k rows of a stage per k-part
  // k rows per step: 256 bytes of B per lane in flight (64 KB per 256-thread team, one team per
  // SM: 32 KB left the H100 at 73% of its bandwidth), 64 registers for fp32 and for 16-bit types
  // alike (kept two to a word until converted: lane_words.hpp); FMAs go 4 / kInputs rows at a time
  // so that 16 converted B values are live.
  static constexpr int kStepBytes = 256;
  static constexpr int kStep =
      std::min(kPartDepth, std::max(1, int(kStepBytes / (4 * sizeof(T) * kInputs))));
  static constexpr int kSub = std::min(kStep, 4 / kInputs);
  static constexpr int kStepsPerStage = kPartDepth / kStep;
  static constexpr int L = kPacketLanes<T>;  // A stage loads
  static constexpr int kAStride = KS + 4;    // 16-byte rows
  static constexpr int kAFloats = kRows * kAStride;
  static constexpr int kALoads = (kRows * KS / L + kThreads - 1) / kThreads;
  static constexpr int kRedFloats = kInputs * kRows * kOutCols;
  static_assert(kRows % kThreadRows == 0 && kThreads % (kColLanes * kRowGroups) == 0,
                "warps split rows and depth evenly");
  static_assert(kPartDepth % kStep == 0 && kStep % kSub == 0 && KS % L == 0,
                "whole steps per stage");
  using Quad = LaneLoad<T, 4>;  // a lane's 4 columns of one B row as loaded
  // One 256-thread team per SM: registers for the accumulators, the step in flight and the A
  // reads the compiler hoists (about 225-255; 64 KB of B in flight per SM).
  using Policy = BoundedTeamPolicy<kThreads, 1>;
  using Member = typename Policy::member_type;

  BlockList blocks;
  GemmOperands<T> op;
  Epilogue epi;
  int n_blocks = 0, chunks = 1, chunk_depth = 0;
  bool accumulate = false;
  View1<float> workspace;   // chunks > 1: [chunk][row of C][kInputs * N]
  std::int64_t c_rows = 0;  // rows of C (per chunk in the workspace)
  bool a_packets = false, b_quads = false, c_quads = false;

  static std::size_t scratch_bytes() { return (2 * kAFloats + kRedFloats) * sizeof(float) + 16; }
  int column_blocks() const { return (op.n + kOutCols - 1) / kOutCols; }
  static std::size_t workspace_floats(int n_chunks, std::int64_t rows_of_c, int n) {
    return n_chunks > 1 ? std::size_t(n_chunks) * rows_of_c * n * kInputs : 0;
  }

  void launch(const char* name) {
    if (kTwo && (op.b1 == nullptr || op.b2 == nullptr)) throw std::invalid_argument(name);
    if (chunk_depth <= 0 || chunk_depth % KS != 0 || chunks < 1) throw std::invalid_argument(name);
    if (!op.int_offsets(kRows)) throw std::length_error(name);
    a_packets = op.a_groups(L);
    b_quads = op.b_groups(4);
    c_quads = op.c_groups(4);
    if (n_blocks == 0 || op.n == 0) return;
    Policy tp(n_blocks * chunks * column_blocks(), kThreads);
    tp.set_scratch_size(0, Kokkos::PerTeam(scratch_bytes()));
    Kokkos::parallel_for(name, tp, *this);
  }

  // B of one step for one lane: kStep rows of its 4 columns, per input.
  struct Step {
    Quad b[kInputs][kStep];
  };

  // Rows [u0, u0 + kSub) of the step at k (zeros from kend on).
  KOKKOS_INLINE_FUNCTION void load_rows(Step& s, const T* const (&src)[2], int k, int u0, int kend,
                                        int valid_cols) const {
    MOAT_UNROLL_BLOCK
    for (int u = u0; u < u0 + kSub; ++u) {
      const int valid = k + u < kend ? valid_cols : 0;
      const int at = valid > 0 ? (k + u) * int(op.ldb) : 0;
      MOAT_UNROLL_BLOCK
      for (int in = 0; in < kInputs; ++in)
        s.b[in][u] = load_lane_group<4>(src[in] + at, valid, b_quads);
    }
  }

  // acc += A[rows of this group][off .. off + kStep) * step, A from the stage buffer. Each row
  // group of the step is converted, then its registers are refilled with the step at k_next
  // (k_next < 0: none), so about one step of loads stays in flight without a second buffer.
  KOKKOS_INLINE_FUNCTION void multiply(Step& s, const float* arows, int off,
                                       float (&acc)[kInputs][kThreadRows][4],
                                       const T* const (&src)[2], int k_next, int kend,
                                       int valid_cols) const {
    MOAT_UNROLL_BLOCK
    for (int u0 = 0; u0 < kStep; u0 += kSub) {
      float b[kInputs][kSub][4];
      MOAT_UNROLL_BLOCK
      for (int in = 0; in < kInputs; ++in) MOAT_UNROLL_BLOCK
      for (int u = 0; u < kSub; ++u) MOAT_UNROLL_BLOCK
      for (int j = 0; j < 4; ++j) b[in][u][j] = lane_elem(s.b[in][u0 + u], j);
      if (k_next >= 0) load_rows(s, src, k_next, u0, kend, valid_cols);
      MOAT_UNROLL_BLOCK
      for (int r = 0; r < kThreadRows; ++r) {
        const auto a = load_group<kSub>(arows + r * kAStride + off + u0);
        MOAT_UNROLL_BLOCK
        for (int in = 0; in < kInputs; ++in) MOAT_UNROLL_BLOCK
        for (int u = 0; u < kSub; ++u) MOAT_UNROLL_BLOCK
        for (int j = 0; j < 4; ++j) acc[in][r][j] += a.v[u] * b[in][u][j];
      }
    }
  }

  // Stage of A rows [0, rcount) of the block at `a` x [k0, k0 + KS), zero from kend on.
  KOKKOS_INLINE_FUNCTION void load_a(LaneLoad<T, L> (&x)[kALoads], unsigned tid, const T* a,
                                     int rcount, int k0, int kend) const {
    MOAT_UNROLL_BLOCK
    for (int l = 0; l < kALoads; ++l) {
      const unsigned idx = tid + l * kThreads;
      const int r = int(idx / (KS / L)), kk = int(idx % (KS / L)) * L;
      const int valid = idx < kRows * KS / L && r < rcount ? kend - (k0 + kk) : 0;
      const int at = valid > 0 ? r * int(op.lda) + k0 + kk : 0;
      x[l] = load_lane_group<L>(a + at, valid, a_packets);
    }
  }
  KOKKOS_INLINE_FUNCTION void store_a(const LaneLoad<T, L> (&x)[kALoads], unsigned tid,
                                      float* as) const {
    MOAT_UNROLL_BLOCK
    for (int l = 0; l < kALoads; ++l) {
      const unsigned idx = tid + l * kThreads;
      if (idx >= kRows * KS / L) break;
      const int r = int(idx / (KS / L)), kk = int(idx % (KS / L)) * L;
      MOAT_UNROLL_BLOCK
      for (int q = 0; q < L / 4; ++q) {
        Lanes<float, 4> f;
        for (int i = 0; i < 4; ++i) f.v[i] = lane_elem(x[l], 4 * q + i);
        store_group<4>(as + r * kAStride + kk + 4 * q, f);
      }
    }
  }

  // First k of step s of k-part p: stage s / kStepsPerStage, the part's slice of that stage.
  KOKKOS_INLINE_FUNCTION static int step_k(int s, int kbeg, int p) {
    return kbeg + s / kStepsPerStage * KS + p * kPartDepth + s % kStepsPerStage * kStep;
  }

  KOKKOS_INLINE_FUNCTION void operator()(const Member& team) const {
    const int blk = team.league_rank() % n_blocks;
    const int rest = team.league_rank() / n_blocks;
    const int chunk = rest % chunks;
    const int c0 = rest / chunks * kOutCols;
    const int e = blocks(blk, 0), row0 = blocks(blk, 1), rows = blocks(blk, 2);
    const int kbeg = chunk * chunk_depth, kend = kx::min(op.k, kbeg + chunk_depth);
    const int stages = (kend - kbeg + KS - 1) / KS;

    const unsigned tid = unsigned(team.team_rank());
    const int lane = int(tid % kColLanes), warp = int(tid / kColLanes);
    const int g = warp % kRowGroups, p = warp / kRowGroups;
    const int col = c0 + 4 * lane;
    const int valid_cols = op.n - col;
    const std::int64_t col_at = valid_cols > 0 ? e * op.ldb_expert + col : std::int64_t(0);
    const T* const src[2] = {op.b1 + col_at, (kTwo ? op.b2 : op.b1) + col_at};  // B1, B2

    auto* scratch = static_cast<float*>(
        team.team_scratch(0).get_shmem_aligned((2 * kAFloats + kRedFloats) * sizeof(float), 16));
    float* red = scratch + 2 * kAFloats;

    for (int rb = 0; rb < rows; rb += kRows) {
      const int rcount = kx::min(kRows, rows - rb);
      const T* a = op.a + (row0 + rb) * op.lda;
      float acc[kInputs][kThreadRows][4];
      MOAT_UNROLL_BLOCK
      for (int in = 0; in < kInputs; ++in) MOAT_UNROLL_BLOCK
      for (int r = 0; r < kThreadRows; ++r) MOAT_UNROLL_BLOCK
      for (int j = 0; j < 4; ++j) acc[in][r][j] = 0.f;

      LaneLoad<T, L> a_next[kALoads];
      load_a(a_next, tid, a, rcount, kbeg, kend);
      store_a(a_next, tid, scratch);
      team.team_barrier();
      Step step;
      MOAT_UNROLL_BLOCK
      for (int u0 = 0; u0 < kStep; u0 += kSub)
        load_rows(step, src, step_k(0, kbeg, p), u0, kend, valid_cols);
      const int steps = stages * kStepsPerStage;
      for (int st = 0; st < stages; ++st) {
        const bool more = st + 1 < stages;
        if (more) load_a(a_next, tid, a, rcount, kbeg + (st + 1) * KS, kend);
        const float* arows = scratch + (st & 1) * kAFloats + g * kThreadRows * kAStride;
        MOAT_UNROLL_BLOCK
        for (int ss = 0; ss < kStepsPerStage; ++ss) {
          const int s = st * kStepsPerStage + ss;
          const int k_next = s + 1 < steps ? step_k(s + 1, kbeg, p) : -1;
          multiply(step, arows, p * kPartDepth + ss * kStep, acc, src, k_next, kend, valid_cols);
        }
        // The other buffer was last read before the previous barrier.
        if (more) store_a(a_next, tid, scratch + ((st + 1) & 1) * kAFloats);
        team.team_barrier();
      }

      // Sum the k-parts in scratch, one part at a time (a fixed order: deterministic).
      for (int part = 0; part < kKParts; ++part) {
        if (p == part) MOAT_UNROLL_BLOCK
        for (int in = 0; in < kInputs; ++in) MOAT_UNROLL_BLOCK
        for (int r = 0; r < kThreadRows; ++r) {
          float* at = red + (in * kRows + g * kThreadRows + r) * kOutCols + 4 * lane;
          Lanes<float, 4> x{};
          if (part > 0) x = load_group<4>(at);
          for (int j = 0; j < 4; ++j) x.v[j] += acc[in][r][j];
          store_group<4>(at, x);
        }
        team.team_barrier();
      }
      write(red, tid, row0 + rb, rcount, c0, chunk);
      team.team_barrier();  // red and the A buffers are reused by the next row block
    }
  }

  // The block's sums (in scratch) to C through the epilogue, or to the workspace as partials.
  KOKKOS_INLINE_FUNCTION void write(const float* red, unsigned tid, int row0, int rcount, int c0,
                                    int chunk) const {
    constexpr int kQuads = kRows * kOutCols / 4;
    for (int idx = int(tid); idx < kQuads; idx += kThreads) {
      const int r = idx / (kOutCols / 4), cc = idx % (kOutCols / 4) * 4;
      const int col = c0 + cc;
      if (r >= rcount || col >= op.n) continue;
      const float* s1 = red + r * kOutCols + cc;
      if (chunks == 1) {
        float v[4];
        for (int j = 0; j < 4; ++j) v[j] = epi(s1[j], kTwo ? s1[kRows * kOutCols + j] : 0.f);
        store_outputs4(op.c + (row0 + r) * op.ldc + col, v, op.n - col, c_quads, accumulate);
      } else {
        const std::int64_t row_at =
            (std::int64_t(chunk) * c_rows + row0 + r) * kInputs * op.n + col;
        for (int in = 0; in < kInputs; ++in)
          for (int j = 0; j < 4 && col + j < op.n; ++j)
            workspace(row_at + in * op.n + j) = s1[in * kRows * kOutCols + j];
      }
    }
  }
};

// Sums the chunks' partials of each block row, applies the epilogue, accumulates and rounds.
template <class Epilogue, class T>
struct StreamFinalize {
  static constexpr int kInputs = Epilogue::two_inputs ? 2 : 1;
  BlockList blocks;
  View1<const float> workspace;
  T* c;
  std::int64_t ldc, c_rows;
  int n, chunks, max_rows;
  Epilogue epi;
  bool accumulate;

  // slot: row r of block blk as blk * max_rows + r.
  KOKKOS_INLINE_FUNCTION void operator()(int slot, int col) const {
    const int blk = slot / max_rows, r = slot % max_rows;
    if (r >= blocks(blk, 2)) return;
    const int row = blocks(blk, 1) + r;
    float s[kInputs] = {};
    for (int q = 0; q < chunks; ++q)
      for (int in = 0; in < kInputs; ++in)
        s[in] += workspace((std::int64_t(q) * c_rows + row) * kInputs * n + in * n + col);
    const float v = epi(s[0], kInputs == 2 ? s[kInputs - 1] : 0.f);
    T& out = c[row * ldc + col];
    out = store_as<T>(accumulate ? to_float(out) + v : v);
  }
};

// Launches the streaming kernel over the first n_blocks blocks (at most max_rows rows each),
// with K cut into chunks of chunk_depth (a multiple of the tiling's stage); workspace must hold
// StreamGroupedGemm<...>::workspace_floats(chunks, c.extent(0), N) floats when chunks > 1.
template <class Tiling, class Epilogue, class T>
void stream_grouped_gemm(const BlockList& blocks, int n_blocks, int max_rows, int chunk_depth,
                         const View1<float>& workspace,
                         const std::type_identity_t<View2<const T>>& a,
                         const std::type_identity_t<View3<const T>>& b1,
                         const std::type_identity_t<View3<const T>>& b2, const View2<T>& c,
                         Epilogue epi, bool accumulate) {
  using Kernel = StreamGroupedGemm<Epilogue, Tiling, T>;
  const int k = int(a.extent(1)), n = int(c.extent(1));
  if (chunk_depth <= 0) throw std::invalid_argument("moat::moe::stream_grouped_gemm: chunk depth");
  const int chunks = k > 0 ? (k + chunk_depth - 1) / chunk_depth : 1;
  Kernel f;
  f.blocks = blocks;
  f.op = GemmOperands<T>(a, b1, b2, c);
  f.epi = epi;
  f.n_blocks = n_blocks;
  f.chunks = chunks;
  f.chunk_depth = chunk_depth;
  f.accumulate = accumulate;
  f.c_rows = std::int64_t(c.extent(0));
  f.workspace = workspace;
  if (workspace.extent(0) < Kernel::workspace_floats(chunks, f.c_rows, n))
    throw std::invalid_argument("moat::moe::stream_grouped_gemm: workspace too small");
  f.launch("moat::moe::stream_grouped_gemm");
  if (chunks == 1 || n_blocks == 0 || n == 0) return;
  StreamFinalize<Epilogue, T> fin{blocks,   workspace, c.data(), std::int64_t(c.stride(0)),
                                  f.c_rows, n,         chunks,   max_rows,
                                  epi,      accumulate};
  using FinalizePolicy =
      Kokkos::MDRangePolicy<ExecSpace, LaunchArgs, Kokkos::Rank<2>, Kokkos::IndexType<int>>;
  Kokkos::parallel_for("moat::moe::stream_finalize",
                       FinalizePolicy({0, 0}, {n_blocks * max_rows, n}), fin);
}

}  // namespace moat::moe
