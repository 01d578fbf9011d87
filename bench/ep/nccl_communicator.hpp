#pragma once
// The GPU communicator: NCCL, the library serving stacks run expert parallelism on. One rank per
// process and GPU (rank_processes.hpp says why), joined by ncclCommInitRank with a unique id that
// rank 0 creates and hands to the others. Every call is issued on the layer's CUDA stream so it is
// ordered with the Kokkos kernels and timed by the same CUDA events. Built only when a CUDA build
// finds NCCL (MOAT_WITH_NCCL, bench/ep/CMakeLists.txt).
#include <array>
#include <cstdint>

#include "bench/ep/communicator.hpp"

struct ncclComm;  // nccl.h: typedef struct ncclComm* ncclComm_t

namespace moat::ep {

inline constexpr std::size_t kNcclUniqueIdBytes = 128;  // NCCL_UNIQUE_ID_BYTES
using NcclUniqueId = std::array<char, kNcclUniqueIdBytes>;

// Sets NCCL_NVLS_ENABLE=0 unless the user set it: the lent GPU machines require NVLink multicast
// (NVLS/SHARP in the NVSwitch) to stay off, and NCCL turns it on by default where the switch
// supports it. Call before any NCCL call, and before forking so every rank inherits it.
void keep_nvlink_multicast_off();

// GPUs this process could use, counted in a short-lived child process so that this one does not
// initialize CUDA before forking its rank processes. Throws moat::Error if the probe fails.
int visible_gpu_count();

// Rank 0 creates it; the others receive it (RankProcesses::broadcast).
NcclUniqueId new_nccl_unique_id();

class NcclCommunicator final : public Communicator {
 public:
  // Joins rank `rank` of `size` on the current CUDA device; `cuda_stream` is a cudaStream_t.
  // Throws moat::Error with NCCL's message when initialization fails.
  NcclCommunicator(int rank, int size, const NcclUniqueId& id, void* cuda_stream);
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string name() const override { return "nccl"; }
  // ncclSend/ncclRecv pairs to every peer with bytes to exchange, in one ncclGroupStart/End.
  void all_to_all_v(const std::byte* send, std::span<const std::size_t> send_counts,
                    std::byte* recv, std::span<const std::size_t> recv_counts) override;
  // Through device staging buffers (NCCL reads device memory), then waits for the stream.
  void all_gather(std::span<const std::int64_t> mine, std::span<std::int64_t> all) override;
  // A one-value all-reduce, then waits for the stream.
  void barrier() override;

 private:
  void reserve_staging(std::size_t values);
  int rank_ = 0;
  int size_ = 1;
  ncclComm* comm_ = nullptr;
  void* stream_ = nullptr;
  std::int64_t* staging_ = nullptr;  // device: [size_ + 1] x staging_values_
  std::size_t staging_values_ = 0;
};

}  // namespace moat::ep
