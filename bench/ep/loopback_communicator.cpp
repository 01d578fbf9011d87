#include "bench/ep/loopback_communicator.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "kernels/common/views.hpp"

namespace moat::ep {

namespace {

using Bytes = Kokkos::View<std::byte*, MemSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
using ConstBytes =
    Kokkos::View<const std::byte*, MemSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

}  // namespace

void LoopbackCommunicator::all_to_all_v(const std::byte* send,
                                        std::span<const std::size_t> send_counts, std::byte* recv,
                                        std::span<const std::size_t> recv_counts) {
  if (send_counts.size() != 1 || recv_counts.size() != 1)
    throw Error("loopback all_to_all_v: one rank takes one count per direction, got " +
                std::to_string(send_counts.size()) + " and " + std::to_string(recv_counts.size()));
  if (send_counts[0] != recv_counts[0])
    throw Error("loopback all_to_all_v: sends " + std::to_string(send_counts[0]) +
                " bytes to itself but expects " + std::to_string(recv_counts[0]));
  if (send_counts[0] == 0) return;
  // Unmanaged views over the caller's buffers: deep_copy picks the right copy for the memory space.
  Kokkos::deep_copy(Bytes(recv, recv_counts[0]), ConstBytes(send, send_counts[0]));
}

void LoopbackCommunicator::all_gather(std::span<const std::int64_t> mine,
                                      std::span<std::int64_t> all) {
  if (all.size() != mine.size())
    throw Error("loopback all_gather: output holds " + std::to_string(all.size()) +
                " values for one rank's " + std::to_string(mine.size()));
  std::copy(mine.begin(), mine.end(), all.begin());
}

void LoopbackCommunicator::barrier() { Kokkos::fence(); }

}  // namespace moat::ep
