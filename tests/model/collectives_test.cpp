#include <gtest/gtest.h>

#include "model/models/collectives.hpp"
#include "test_paths.hpp"

namespace moat::model {
namespace {

TEST(Collectives, AlphaBetaFormulasByHand) {
  Link link{100e9, 2e-6, "x"};
  // Ring all-reduce of 1 GB on 4 devices: 2 x 3/4 x 1e9 / 1e11 + 2 x 3 x 2 us.
  EXPECT_DOUBLE_EQ(ring_allreduce_s(1e9, 4, link), 0.015 + 12e-6);
  // All-to-all, 1 GB held per device for 4 devices: 3/4 of it leaves, + 3 latencies.
  EXPECT_DOUBLE_EQ(all_to_all_s(1e9, 4, link), 0.0075 + 6e-6);
  EXPECT_DOUBLE_EQ(point_to_point_s(1e9, link), 0.01 + 2e-6);
  EXPECT_DOUBLE_EQ(ring_allreduce_s(1e9, 1, link), 0);
  EXPECT_DOUBLE_EQ(all_to_all_s(1e9, 1, link), 0);
}

TEST(Collectives, GroupsUseTheFabricTheySpan) {
  HardwareProfile h100 = load_hardware_profile(test::hardware("h100-sxm"));
  EXPECT_DOUBLE_EQ(link_for_group(h100, 8)->bandwidth, 450e9);   // NVLink within a node
  EXPECT_DOUBLE_EQ(link_for_group(h100, 16)->bandwidth, 50e9);   // InfiniBand across nodes
  EXPECT_DOUBLE_EQ(link_for_group(h100, 1)->bandwidth, 0);       // no communication
  // Infinity Fabric is a full mesh: two GPUs share one link of the seven.
  HardwareProfile mi300x = load_hardware_profile(test::hardware("mi300x"));
  EXPECT_DOUBLE_EQ(link_for_group(mi300x, 2)->bandwidth, 448e9 / 7);
  EXPECT_DOUBLE_EQ(link_for_group(mi300x, 8)->bandwidth, 448e9);
  // No scale-out network: a group larger than the node cannot be formed.
  HardwareProfile l40s = load_hardware_profile(test::hardware("l40s"));
  EXPECT_FALSE(link_for_group(l40s, 16).has_value());
  HardwareProfile cpu = load_hardware_profile(test::hardware("epyc-9654"));
  EXPECT_FALSE(link_for_group(cpu, 2).has_value());
  EXPECT_TRUE(link_for_group(cpu, 1).has_value());
}

}  // namespace
}  // namespace moat::model
