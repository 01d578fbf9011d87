#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "bench/ep/loopback_communicator.hpp"
#include "bench/ep/rank_processes.hpp"
#include "core/error.hpp"
#include "kernels/common/views.hpp"

namespace moat::ep {
namespace {

TEST(LoopbackCommunicator, AllToAllVCopiesTheSelfAddressedBytes) {
  LoopbackCommunicator comm;
  EXPECT_EQ(comm.rank(), 0);
  EXPECT_EQ(comm.size(), 1);
  // Buffers in the execution space's memory, as the layer passes them.
  View1<float> send("send", 37), recv("recv", 40);
  upload(send, [] {
    std::vector<float> v(37);
    std::iota(v.begin(), v.end(), 1.0f);
    return v;
  }());
  poison(recv);
  const std::vector<std::size_t> counts = {37 * sizeof(float)};
  comm.all_to_all_v(reinterpret_cast<const std::byte*>(send.data()), counts,
                    reinterpret_cast<std::byte*>(recv.data()), counts);
  const std::vector<float> got = download(recv);
  for (int i = 0; i < 37; ++i) EXPECT_EQ(got[i], float(i + 1)) << i;
  for (int i = 37; i < 40; ++i) EXPECT_TRUE(std::isnan(got[i])) << "wrote past the count at " << i;
}

TEST(LoopbackCommunicator, RejectsCountsThatCannotMatch) {
  LoopbackCommunicator comm;
  std::byte buf[16] = {};
  const std::vector<std::size_t> eight = {8}, four = {4}, two_peers = {8, 8};
  EXPECT_THROW(comm.all_to_all_v(buf, eight, buf + 8, four), Error);
  EXPECT_THROW(comm.all_to_all_v(buf, two_peers, buf, two_peers), Error);
  comm.all_to_all_v(buf, std::vector<std::size_t>{0}, buf, std::vector<std::size_t>{0});
}

TEST(LoopbackCommunicator, AllGatherOfOneRankIsItsOwnValues) {
  LoopbackCommunicator comm;
  const std::vector<std::int64_t> mine = {3, -1, 1LL << 40};
  std::vector<std::int64_t> all(3, 0);
  comm.all_gather(mine, all);
  EXPECT_EQ(all, mine);
  std::vector<std::int64_t> wrong(4);
  EXPECT_THROW(comm.all_gather(mine, wrong), Error);
  comm.barrier();
}

TEST(RankProcesses, ForkedRanksReceiveRankZerosBytes) {
  // The launcher of NCCL ranks, without NCCL: three processes, rank 0 broadcasts 128 bytes.
  std::string token(128, '\0');
  RankProcesses procs(3);
  if (procs.rank() == 0)
    for (std::size_t i = 0; i < token.size(); ++i) token[i] = char('a' + i % 26);
  procs.broadcast(token);
  if (procs.rank() != 0) {
    bool ok = procs.size() == 3;
    for (std::size_t i = 0; i < token.size(); ++i) ok = ok && token[i] == char('a' + i % 26);
    std::_Exit(ok ? 0 : 10 + procs.rank());  // a child must not run the rest of the test binary
  }
  EXPECT_EQ(procs.wait_children(), 0);
}

TEST(RankProcesses, ReportsAFailingRank) {
  RankProcesses procs(2);
  if (procs.rank() == 1) std::_Exit(7);
  EXPECT_EQ(procs.wait_children(), 7);
}

}  // namespace
}  // namespace moat::ep
