#pragma once
// View types used by every kernel: row-major (LayoutRight) on every backend so that host and
// device agree on index order, and the fill/readback helpers that cross the host boundary.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/common/compat.hpp"
#include "kernels/common/storage.hpp"

namespace moat {

using ExecSpace = Kokkos::DefaultExecutionSpace;
using MemSpace = ExecSpace::memory_space;
template <class T>
using View1 = Kokkos::View<T*, Kokkos::LayoutRight, MemSpace>;
template <class T>
using View2 = Kokkos::View<T**, Kokkos::LayoutRight, MemSpace>;
template <class T>
using View3 = Kokkos::View<T***, Kokkos::LayoutRight, MemSpace>;
template <class T>
using View4 = Kokkos::View<T****, Kokkos::LayoutRight, MemSpace>;

// Every kernel takes its functor as a launch argument. Without this hint Kokkos' CUDA backend puts
// functors of 512 bytes or more (the decode, flash and GEMM kernels) in constant memory, and
// before each such launch the host waits until the previous one has finished (Kokkos CUDA
// KernelLaunch): the device then idles for a launch latency, plus a functor copy, between the
// kernels of a step. A functor over the 4 KB argument limit goes through global memory instead.
// Host backends ignore the hint. tests/kernels/launch_policy_test.cpp keeps every policy on it.
using LaunchArgs = Kokkos::Experimental::WorkItemProperty::HintLightWeight_t;
using RangePolicy = Kokkos::RangePolicy<ExecSpace, LaunchArgs>;
using TeamPolicy = Kokkos::TeamPolicy<ExecSpace, LaunchArgs>;
template <int MaxThreads, int MinTeamsPerSM>
using BoundedTeamPolicy =
    Kokkos::TeamPolicy<ExecSpace, LaunchArgs, Kokkos::LaunchBounds<MaxThreads, MinTeamsPerSM>>;
using TeamMember = TeamPolicy::member_type;
template <class T>
using ScratchView1 = Kokkos::View<T*, Kokkos::LayoutRight, ExecSpace::scratch_memory_space,
                                  Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
template <class T>
using ScratchView2 = Kokkos::View<T**, Kokkos::LayoutRight, ExecSpace::scratch_memory_space,
                                  Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

inline constexpr bool kExecOnHost =
    Kokkos::SpaceAccessibility<ExecSpace, Kokkos::HostSpace>::accessible;

// Level-0 scratch a Kokkos CUDA team can get without opt-in: a block's 48 KB less the
// (1024 + 2) doubles and an int64 Kokkos keeps for team reductions (a larger request fails at
// launch). The GPU tile paths size their scratch under it; tests pin them.
inline constexpr std::size_t kCudaLevel0ScratchMax = 48 * 1024 - (1024 + 2) * 8 - 8;

// Copies host values into a device view of the same total size (any rank, contiguous); floats
// going into bf16 / fp16 views are rounded to the storage type.
template <class ViewT, class T>
void upload(const ViewT& dst, const std::vector<T>& src) {
  using V = typename ViewT::non_const_value_type;
  auto host = Kokkos::create_mirror_view(dst);
  auto* p = host.data();
  for (std::size_t i = 0; i < src.size(); ++i) {
    if constexpr (kHalfStorage<V>)
      p[i] = store_as<V>(float(src[i]));
    else
      p[i] = src[i];
  }
  Kokkos::deep_copy(dst, host);
}

// Copies a contiguous device view back to the host as a flat vector.
template <class ViewT>
std::vector<typename ViewT::non_const_value_type> download(const ViewT& src) {
  auto host = Kokkos::create_mirror_view(src);
  Kokkos::deep_copy(host, src);
  return std::vector<typename ViewT::non_const_value_type>(host.data(), host.data() + host.size());
}

// The values of a contiguous device view of any storage type, as floats (for checks).
template <class ViewT>
std::vector<float> download_floats(const ViewT& src) {
  const auto raw = download(src);
  std::vector<float> out(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) out[i] = to_float(raw[i]);
  return out;
}

// Fills a view with NaN so that an element the kernel forgets to write fails the check.
template <class ViewT>
void poison(const ViewT& v) {
  Kokkos::deep_copy(v, store_as<typename ViewT::non_const_value_type>(NAN));
}

}  // namespace moat
