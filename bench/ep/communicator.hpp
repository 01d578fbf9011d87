#pragma once
// The few collectives an expert-parallel MoE layer needs, behind one interface so the layer
// driver runs unchanged on one CPU rank (LoopbackCommunicator, CI) and on GPUs (NcclCommunicator).
// Byte buffers live in the memory of the layer's execution space (device memory on GPU builds);
// the small count arrays of all_gather live on the host.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace moat::ep {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string name() const = 0;  // "loopback" | "nccl"

  // Variable-size all-to-all. `send` holds send_counts[p] bytes for each peer p, packed in peer
  // order; `recv` receives recv_counts[p] bytes from each peer p, packed in peer order. Both count
  // arrays have size() entries and must agree pairwise across ranks (what p sends to q is what q
  // expects from p). May complete asynchronously, in order with the layer's kernels: time it with
  // KernelTimer, which fences.
  virtual void all_to_all_v(const std::byte* send, std::span<const std::size_t> send_counts,
                            std::byte* recv, std::span<const std::size_t> recv_counts) = 0;

  // Every rank's `mine` (the same length on every rank) into `all`, rank r's values at
  // [r * mine.size(), (r + 1) * mine.size()). Host memory; returns when `all` is filled.
  virtual void all_gather(std::span<const std::int64_t> mine, std::span<std::int64_t> all) = 0;

  // Returns when every rank has called it and the work each issued before is complete.
  virtual void barrier() = 0;
};

// Exclusive prefix sums of per-peer byte counts: where each peer's bytes start in a packed buffer.
inline std::size_t packed_offset(std::span<const std::size_t> counts, std::size_t peer) {
  std::size_t offset = 0;
  for (std::size_t p = 0; p < peer; ++p) offset += counts[p];
  return offset;
}

}  // namespace moat::ep
