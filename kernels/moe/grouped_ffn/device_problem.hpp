#pragma once
// moe.grouped_ffn's inputs on the device and its output, shared by the moat kernel and the
// cuBLAS baseline so both run and are checked on the same views.
#include "kernels/common/check.hpp"
#include "kernels/common/views.hpp"
#include "kernels/moe/common/pipeline.hpp"
#include "kernels/moe/grouped_ffn/problem.hpp"

namespace moat::variants::moe_grouped_ffn {

// Stored as T (float, bf16, fp16); the cuBLAS baseline uses the fp32 form.
template <class T = float>
struct DeviceProblem {
  View2<const T> xp;                    // [rows][hidden]
  View3<const T> w_gate, w_up, w_down;  // [experts][hidden][ffn], [experts][ffn][hidden]
  View2<T> y;                           // [rows][hidden]

  explicit DeviceProblem(const Problem& p)
      : xp(moe::device2<T>("xp", p.xp, p.rows(), p.hidden)),
        w_gate(moe::device3<T>("w_gate", p.w.w_gate, p.experts, p.hidden, p.ffn)),
        w_up(moe::device3<T>("w_up", p.w.w_up, p.experts, p.hidden, p.ffn)),
        w_down(moe::device3<T>("w_down", p.w.w_down, p.experts, p.ffn, p.hidden)),
        y("y", p.rows(), p.hidden) {}

  // Poisons y, runs the implementation once and compares y with the float64 oracle.
  template <class Run>
  CheckReport check(const Problem& p, const Run& run) const {
    poison(y);
    run();
    Kokkos::fence();
    return p.check(download_floats(y));
  }
};

}  // namespace moat::variants::moe_grouped_ffn
