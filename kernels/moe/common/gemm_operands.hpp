#pragma once
// What the grouped GEMM kernels (tiled_gemm.hpp, stream_gemm.hpp) share: raw operand pointers
// with their strides, and the global loads and stores of a few consecutive elements. A group of
// N elements is one vector instruction (16 bytes: 4 floats or 8 bf16 / fp16; 8 bytes: 4 bf16)
// where every row start is aligned and the row length is a whole number of groups; otherwise
// (odd depths or widths, offset sub-views) the same call goes element by element. Past the end
// of a row (or of the matrix) a group reads zeros, so tiles need no separate edge code.
#include <cstdint>
#include <cstring>

#include "kernels/common/lane_words.hpp"
#include "kernels/common/packet.hpp"
#include "kernels/common/views.hpp"

namespace moat::moe {

// The first `valid` of N elements at p, zeros after them, in registers of type X: Lanes (one
// element each), or LaneLoad (lane_words.hpp: 16-bit elements two to a 32-bit word, for loads
// that must stay in flight until their elements are used). `whole`: the caller's layout makes
// `valid` either <= 0 or >= N and p aligned, so one vector load does.
template <int N, class T, class X = Lanes<T, N>>
KOKKOS_INLINE_FUNCTION X load_lanes(const T* p, int valid, bool whole) {
  X x{};
  if (whole) {
    if (valid > 0) x = load_lane(p, static_cast<X*>(nullptr));
  } else {
    for (int i = 0; i < N; ++i)
      if (i < valid) set_lane_elem(x, i, p[i]);
  }
  return x;
}
template <int N, class T>
KOKKOS_INLINE_FUNCTION LaneLoad<T, N> load_lane_group(const T* p, int valid, bool whole) {
  return load_lanes<N, T, LaneLoad<T, N>>(p, valid, whole);
}

// out[i] (+)= v[i] for the first `valid` of 4 outputs, rounded to T once.
template <class T>
KOKKOS_INLINE_FUNCTION void store_outputs4(T* out, const float (&v)[4], int valid, bool whole,
                                           bool accumulate) {
  if (whole && valid >= 4) {
    Lanes<T, 4> x;
    if (accumulate) x = load_group<4>(out);
    for (int i = 0; i < 4; ++i) x.v[i] = store_as<T>(accumulate ? to_float(x.v[i]) + v[i] : v[i]);
    store_group<4>(out, x);
    return;
  }
  for (int i = 0; i < 4; ++i)
    if (i < valid) out[i] = store_as<T>(accumulate ? to_float(out[i]) + v[i] : v[i]);
}

// True when groups of n elements along rows of length `len` starting at p with row strides
// s1, s2 are each one aligned vector access.
template <class T>
bool groups_aligned(const T* p, int n, std::int64_t len, std::int64_t s1, std::int64_t s2 = 0) {
  return reinterpret_cast<std::uintptr_t>(p) % (n * sizeof(T)) == 0 && len % n == 0 &&
         s1 % n == 0 && s2 % n == 0;
}

// A [rows][K], B1 / B2 [expert][K][N] and C [rows][N] as pointers and element strides (views
// may be padded or offset sub-views), with the problem's depth K and width N.
template <class T>
struct GemmOperands {
  const T* a = nullptr;
  const T* b1 = nullptr;
  const T* b2 = nullptr;
  T* c = nullptr;
  std::int64_t lda = 0, ldb = 0, ldb_expert = 0, ldc = 0;
  int k = 0, n = 0;

  GemmOperands() = default;
  GemmOperands(const View2<const T>& a_, const View3<const T>& b1_, const View3<const T>& b2_,
               const View2<T>& c_)
      : a(a_.data()),
        b1(b1_.data()),
        b2(b2_.data()),
        c(c_.data()),
        lda(std::int64_t(a_.stride(0))),
        ldb(std::int64_t(b1_.stride(1))),
        ldb_expert(std::int64_t(b1_.stride(0))),
        ldc(std::int64_t(c_.stride(0))),
        k(int(a_.extent(1))),
        n(int(c_.extent(1))) {}

  // Whether groups of n elements along K (A) or N (both B operands, C) are aligned accesses.
  bool a_groups(int lanes) const { return groups_aligned(a, lanes, k, lda); }
  bool b_groups(int lanes) const {
    return groups_aligned(b1, lanes, n, ldb, ldb_expert) &&
           groups_aligned(b2, lanes, n, ldb, ldb_expert);
  }
  bool c_groups(int lanes) const { return groups_aligned(c, lanes, n, ldc); }
  // Whether offsets inside one expert's B and inside `rows` rows of A fit an int (the kernels
  // index from per-team base pointers with ints).
  bool int_offsets(int rows) const {
    constexpr std::int64_t kMax = 2147483647;
    return std::int64_t(k) * ldb < kMax && std::int64_t(rows) * lda < kMax;
  }
};

}  // namespace moat::moe
