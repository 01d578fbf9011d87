#include "bench/ep/nccl_communicator.hpp"

#include <cuda_runtime.h>
#include <nccl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace moat::ep {

static_assert(sizeof(ncclUniqueId) == kNcclUniqueIdBytes, "NCCL_UNIQUE_ID_BYTES changed");

namespace {

void check_nccl(ncclResult_t r, const char* what) {
  if (r != ncclSuccess)
    throw Error(std::string("NCCL ") + what + ": " + ncclGetErrorString(r) +
                " (NCCL_DEBUG=WARN tells more)");
}

void check_cuda(cudaError_t r, const char* what) {
  if (r != cudaSuccess) throw Error(std::string("CUDA ") + what + ": " + cudaGetErrorString(r));
}

cudaStream_t as_stream(void* s) { return static_cast<cudaStream_t>(s); }

}  // namespace

void keep_nvlink_multicast_off() { ::setenv("NCCL_NVLS_ENABLE", "0", /*overwrite=*/0); }

int visible_gpu_count() {
  int fds[2];
  if (::pipe(fds) != 0) throw Error("visible_gpu_count: pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw Error("visible_gpu_count: fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) count = 0;
    const ssize_t written = ::write(fds[1], &count, sizeof count);
    ::_exit(written == ssize_t(sizeof count) ? 0 : 1);
  }
  ::close(fds[1]);
  int count = -1;
  const ssize_t got = ::read(fds[0], &count, sizeof count);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (got != ssize_t(sizeof count) || count < 0)
    throw Error("visible_gpu_count: the CUDA probe process did not report a device count");
  return count;
}

NcclUniqueId new_nccl_unique_id() {
  ncclUniqueId id;
  check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  NcclUniqueId out;
  std::memcpy(out.data(), id.internal, kNcclUniqueIdBytes);
  return out;
}

NcclCommunicator::NcclCommunicator(int rank, int size, const NcclUniqueId& id, void* cuda_stream)
    : rank_(rank), size_(size), stream_(cuda_stream) {
  keep_nvlink_multicast_off();
  ncclUniqueId nccl_id;
  std::memcpy(nccl_id.internal, id.data(), kNcclUniqueIdBytes);
  ncclComm_t comm = nullptr;
  check_nccl(ncclCommInitRank(&comm, size, nccl_id, rank), "ncclCommInitRank");
  comm_ = comm;
  reserve_staging(1);
}

NcclCommunicator::~NcclCommunicator() {
  if (staging_) cudaFree(staging_);
  if (comm_) ncclCommDestroy(comm_);
}

void NcclCommunicator::reserve_staging(std::size_t values) {
  if (values <= staging_values_) return;
  if (staging_) check_cuda(cudaFree(staging_), "cudaFree");
  staging_ = nullptr;
  void* p = nullptr;
  check_cuda(cudaMalloc(&p, (std::size_t(size_) + 1) * values * sizeof(std::int64_t)),
             "cudaMalloc");
  staging_ = static_cast<std::int64_t*>(p);
  staging_values_ = values;
}

void NcclCommunicator::all_to_all_v(const std::byte* send, std::span<const std::size_t> send_counts,
                                    std::byte* recv, std::span<const std::size_t> recv_counts) {
  if (int(send_counts.size()) != size_ || int(recv_counts.size()) != size_)
    throw Error("nccl all_to_all_v: expected " + std::to_string(size_) + " counts per direction");
  std::size_t send_offset = 0, recv_offset = 0;
  check_nccl(ncclGroupStart(), "ncclGroupStart");
  for (int peer = 0; peer < size_; ++peer) {
    // Byte counts as ncclChar elements; peers with nothing to exchange are left out of the group.
    if (send_counts[peer] > 0)
      check_nccl(ncclSend(send + send_offset, send_counts[peer], ncclChar, peer, comm_,
                          as_stream(stream_)),
                 "ncclSend");
    if (recv_counts[peer] > 0)
      check_nccl(ncclRecv(recv + recv_offset, recv_counts[peer], ncclChar, peer, comm_,
                          as_stream(stream_)),
                 "ncclRecv");
    send_offset += send_counts[peer];
    recv_offset += recv_counts[peer];
  }
  check_nccl(ncclGroupEnd(), "ncclGroupEnd");
}

void NcclCommunicator::all_gather(std::span<const std::int64_t> mine, std::span<std::int64_t> all) {
  if (all.size() != mine.size() * std::size_t(size_))
    throw Error("nccl all_gather: output holds " + std::to_string(all.size()) + " values, not " +
                std::to_string(mine.size() * std::size_t(size_)));
  if (mine.empty()) return;
  reserve_staging(mine.size());
  std::int64_t* in = staging_;
  std::int64_t* out = staging_ + staging_values_;
  const cudaStream_t s = as_stream(stream_);
  check_cuda(cudaMemcpyAsync(in, mine.data(), mine.size_bytes(), cudaMemcpyHostToDevice, s),
             "cudaMemcpyAsync");
  check_nccl(ncclAllGather(in, out, mine.size(), ncclInt64, comm_, s), "ncclAllGather");
  check_cuda(cudaMemcpyAsync(all.data(), out, all.size_bytes(), cudaMemcpyDeviceToHost, s),
             "cudaMemcpyAsync");
  check_cuda(cudaStreamSynchronize(s), "cudaStreamSynchronize");
}

void NcclCommunicator::barrier() {
  const cudaStream_t s = as_stream(stream_);
  check_nccl(ncclAllReduce(staging_, staging_, 1, ncclInt64, ncclSum, comm_, s), "ncclAllReduce");
  check_cuda(cudaStreamSynchronize(s), "cudaStreamSynchronize");
}

}  // namespace moat::ep
