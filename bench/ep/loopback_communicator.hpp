#pragma once
// One rank talking to itself: all_to_all_v is one copy in the execution space's memory (the same
// self-addressed share NCCL copies on a GPU), all_gather a host copy, barrier a fence. Lets the
// expert-parallel layer and its tests run on any Kokkos backend without a network.
#include "bench/ep/communicator.hpp"

namespace moat::ep {

class LoopbackCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string name() const override { return "loopback"; }
  // Throws moat::Error when the counts are not one entry each or disagree.
  void all_to_all_v(const std::byte* send, std::span<const std::size_t> send_counts,
                    std::byte* recv, std::span<const std::size_t> recv_counts) override;
  void all_gather(std::span<const std::int64_t> mine, std::span<std::int64_t> all) override;
  void barrier() override;
};

}  // namespace moat::ep
