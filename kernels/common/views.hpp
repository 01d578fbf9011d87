#pragma once
// View types used by every kernel: row-major (LayoutRight) on every backend so that host and
// device agree on index order, and the fill/readback helpers that cross the host boundary.
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/common/compat.hpp"

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

using TeamPolicy = Kokkos::TeamPolicy<ExecSpace>;
using TeamMember = TeamPolicy::member_type;
template <class T>
using ScratchView1 = Kokkos::View<T*, Kokkos::LayoutRight, ExecSpace::scratch_memory_space,
                                  Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
template <class T>
using ScratchView2 = Kokkos::View<T**, Kokkos::LayoutRight, ExecSpace::scratch_memory_space,
                                  Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

inline constexpr bool kExecOnHost =
    Kokkos::SpaceAccessibility<ExecSpace, Kokkos::HostSpace>::accessible;

// Copies host values into a device view of the same total size (any rank, contiguous).
template <class ViewT, class T>
void upload(const ViewT& dst, const std::vector<T>& src) {
  auto host = Kokkos::create_mirror_view(dst);
  auto* p = host.data();
  for (std::size_t i = 0; i < src.size(); ++i) p[i] = src[i];
  Kokkos::deep_copy(dst, host);
}

// Copies a contiguous device view back to the host as a flat vector.
template <class ViewT>
std::vector<typename ViewT::non_const_value_type> download(const ViewT& src) {
  auto host = Kokkos::create_mirror_view(src);
  Kokkos::deep_copy(host, src);
  return std::vector<typename ViewT::non_const_value_type>(host.data(), host.data() + host.size());
}

// Fills a float view with NaN so that an element the kernel forgets to write fails the check.
template <class ViewT>
void poison(const ViewT& v) {
  Kokkos::deep_copy(v, typename ViewT::non_const_value_type(NAN));
}

}  // namespace moat
