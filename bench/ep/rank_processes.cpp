#include "bench/ep/rank_processes.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace moat::ep {

namespace {

std::string system_error(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

RankProcesses::RankProcesses(int ranks) : size_(ranks) {
  if (ranks < 1) throw Error("--ranks must be at least 1");
  std::vector<int> read_ends;
  for (int r = 1; r < ranks; ++r) {
    int fds[2];
    if (::pipe(fds) != 0) throw Error(system_error("pipe"));
    read_ends.push_back(fds[0]);
    to_children_.push_back(fds[1]);
  }
  // Buffered output would be written once per process otherwise.
  std::fflush(stdout);
  std::fflush(stderr);
  for (int r = 1; r < ranks; ++r) {
    const pid_t pid = ::fork();
    if (pid < 0) throw Error(system_error("fork"));
    if (pid == 0) {
      rank_ = r;
      from_root_ = read_ends[r - 1];
      for (std::size_t i = 0; i < read_ends.size(); ++i)
        if (int(i) != r - 1) ::close(read_ends[i]);
      for (int fd : to_children_) ::close(fd);
      to_children_.clear();
      children_.clear();
      return;
    }
    children_.push_back(pid);
  }
  for (int fd : read_ends) ::close(fd);
}

RankProcesses::~RankProcesses() {
  for (int fd : to_children_) ::close(fd);
  if (from_root_ >= 0) ::close(from_root_);
  wait_children();
}

void RankProcesses::broadcast(std::span<char> bytes) {
  if (rank_ == 0) {
    for (int fd : to_children_) {
      std::size_t done = 0;
      while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw Error(system_error("broadcast to a rank process"));
        done += std::size_t(n);
      }
    }
    return;
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(from_root_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0)
      throw Error("rank 0 exited before sending its " + std::to_string(bytes.size()) + " bytes");
    if (n < 0) throw Error(system_error("broadcast from rank 0"));
    done += std::size_t(n);
  }
}

int RankProcesses::wait_children() {
  int first_failure = 0;
  for (pid_t pid : children_) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int code = 0;
    if (WIFEXITED(status))
      code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
      code = 128 + WTERMSIG(status);
    if (code != 0 && first_failure == 0) first_failure = code;
  }
  children_.clear();
  return first_failure;
}

}  // namespace moat::ep
