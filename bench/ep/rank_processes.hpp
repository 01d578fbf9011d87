#pragma once
// One process per rank without an MPI launcher: the calling process forks ranks - 1 children and
// stays rank 0. Kokkos drives one GPU per process (kokkos/kokkos#1610; multi-device execution
// space instances are experimental since Kokkos 4.3), so each rank needs its own process; fork
// must come before Kokkos or the CUDA runtime is initialized, since a child cannot use a CUDA
// context inherited from its parent. Rank 0 hands the children bytes (NCCL's unique id) through
// pipes made before the fork.
#include <sys/types.h>

#include <span>
#include <vector>

namespace moat::ep {

class RankProcesses {
 public:
  // Flushes stdio, then forks. Throws moat::Error when a pipe or fork fails.
  explicit RankProcesses(int ranks);
  ~RankProcesses();
  RankProcesses(const RankProcesses&) = delete;
  RankProcesses& operator=(const RankProcesses&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // Rank 0 sends `bytes` to every child; a child fills `bytes` with what rank 0 sent (same size).
  // Throws moat::Error on a short read or write.
  void broadcast(std::span<char> bytes);
  // Rank 0: waits for every child; returns 0 when all exited with status 0, else the first
  // non-zero status (or 128 + signal). Children: returns 0 at once.
  int wait_children();

 private:
  int rank_ = 0;
  int size_ = 1;
  std::vector<pid_t> children_;   // rank 0: child of rank i + 1
  std::vector<int> to_children_;  // rank 0: write end of each child's pipe
  int from_root_ = -1;            // child: read end of its pipe
};

}  // namespace moat::ep
