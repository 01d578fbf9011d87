// Generic checks that every registered variant gets for free: its test shapes pass the float64
// oracle, its cost is sane, and it has a kernel.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/variant.hpp"
#include "kernels/common/instance.hpp"

namespace moat {
namespace {

class VariantTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VariantTest, HasKernelAndTestShapes) {
  const VariantSpec* spec = find_variant_spec(GetParam());
  ASSERT_NE(spec, nullptr);
  ASSERT_TRUE(variant_implementations().count(spec->name)) << "no kernel registered";
  EXPECT_TRUE(variant_implementations().at(spec->name).count("moat"));
  EXPECT_GE(spec->test_shapes.size(), 2u) << "needs random and edge shapes";
  EXPECT_FALSE(spec->family.empty());
  EXPECT_FALSE(spec->summary.empty());
}

TEST_P(VariantTest, OracleAgreesOnTestShapes) {
  const VariantSpec* spec = find_variant_spec(GetParam());
  ASSERT_NE(spec, nullptr);
  for (const auto& [impl, factory] : variant_implementations().at(spec->name)) {
    int shape_no = 0;
    for (const auto& given : spec->test_shapes) {
      SCOPED_TRACE(impl + " test shape #" + std::to_string(shape_no++));
      Params p = complete_params(spec->params, given, spec->name);
      spec->validate(p);
      for (DType dt : spec->dtypes) {
        for (std::uint64_t seed : {1ull, 2ull}) {
          std::unique_ptr<KernelInstance> inst;
          try {
            inst = factory(InstanceRequest{p, dt, seed});
          } catch (const UnsupportedCase& e) {  // baselines may decline; moat runs every dtype
            EXPECT_NE(impl, "moat") << e.what();
            continue;
          }
          CheckReport r = inst->check();
          EXPECT_TRUE(r.ok) << spec->name << "?" << p.key(&spec->params) << " " << to_string(dt)
                            << " seed " << seed << ": " << r.detail;
          EXPECT_GT(r.checked, 0);
        }
      }
    }
  }
}

TEST_P(VariantTest, CostIsPositiveAndFinite) {
  const VariantSpec* spec = find_variant_spec(GetParam());
  ASSERT_NE(spec, nullptr);
  for (const auto& given : spec->test_shapes) {
    Params p = complete_params(spec->params, given, spec->name);
    Cost c = spec->cost(p, DType::fp32);
    EXPECT_GT(c.flops(), 0);
    EXPECT_GT(c.bytes_dram, 0);
    EXPECT_GE(c.launches, 1);
    EXPECT_GE(c.special_ops, 0);
    EXPECT_GE(c.bytes_onchip, 0);
  }
}

std::vector<std::string> all_names() {
  std::vector<std::string> names;
  for (const auto& v : variant_specs()) names.push_back(v.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(AllVariants, VariantTest, ::testing::ValuesIn(all_names()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string n = param_info.param;
                           for (auto& ch : n)
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace moat
