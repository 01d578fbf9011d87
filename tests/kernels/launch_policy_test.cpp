// Every device launch takes its functor as a kernel argument (views.hpp: LaunchArgs). A policy
// without the hint puts functors of 512 bytes or more in CUDA constant memory, and the host then
// waits for the previous such kernel before each launch, which leaves the GPU idle between the
// kernels of one step: the decode, flash and GEMM kernels' functors are that large.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <type_traits>

#include "kernels/attention/common/flash_device_layout.hpp"
#include "kernels/common/views.hpp"
#include "kernels/moe/common/stream_gemm.hpp"

namespace moat {
namespace {

using Hint = Kokkos::Experimental::WorkItemProperty::HintLightWeight_t;

template <class Policy>
constexpr bool kLight = std::is_same_v<typename Policy::work_item_property, Hint>;

TEST(LaunchPolicy, KernelPoliciesCarryTheArgumentHint) {
  EXPECT_TRUE(kLight<TeamPolicy>);
  EXPECT_TRUE(kLight<RangePolicy>);
  EXPECT_TRUE((kLight<BoundedTeamPolicy<512, 1>>));
  EXPECT_TRUE(kLight<attention::FlashTeamPolicy<attention::DeviceFlashTiling<128>>>);
  using Stream = moe::StreamGroupedGemm<moe::IdentityEpilogue, moe::DeviceStreamTiling>;
  EXPECT_TRUE(kLight<Stream::Policy>);
  using Tiled = moe::TiledGroupedGemm<moe::IdentityEpilogue, moe::DeviceGemmTiling>;
  EXPECT_TRUE(kLight<Tiled::Policy>);
}

// Policies spelled in place, in every kernel and bench source: each names LaunchArgs (or is a
// host-space policy), so that a new kernel cannot fall back to constant-memory launches unseen.
TEST(LaunchPolicy, NoSourceSpellsADevicePolicyWithoutTheHint) {
  const std::string root = MOAT_SOURCE_DIR;
  int scanned = 0;
  for (const char* dir : {"kernels", "bench", "apps"}) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(root + "/" + dir)) {
      const auto ext = e.path().extension().string();
      if (!e.is_regular_file() || (ext != ".hpp" && ext != ".cpp" && ext != ".inc")) continue;
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      const std::string s = text.str();
      ++scanned;
      for (const std::string kind :
           {"Kokkos::RangePolicy<", "Kokkos::TeamPolicy<", "Kokkos::MDRangePolicy<"}) {
        for (auto at = s.find(kind); at != std::string::npos; at = s.find(kind, at + 1)) {
          const std::string args = s.substr(at + kind.size(), 40);
          const bool host = args.rfind("Host", 0) == 0;
          EXPECT_TRUE(host || args.rfind("ExecSpace, LaunchArgs", 0) == 0)
              << e.path().string() << ": " << kind << args.substr(0, args.find('\n'));
        }
      }
    }
  }
  EXPECT_GT(scanned, 100);
}

}  // namespace
}  // namespace moat
