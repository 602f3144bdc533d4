// flow.h5 (jobs/simulate/simulate_results.cpp): written then read back with the same shapes, dtypes
// and values; the parameters as params/<name> doubles and as root attributes; a missing parameter
// is an error.
#include "jobs/simulate/simulate_results.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "base/error.h"
#include "engine/checkpoint/checkpointer.h"

namespace curvlab {
namespace {

FlowRecord small_record() {
  FlowRecord r;
  r.vorticity = torch::arange(2 * 3 * 4, torch::kFloat32).reshape({2, 3, 4}) * 0.01;
  r.ux = r.vorticity + 1;
  r.uy = r.vorticity - 1;
  r.mask = torch::zeros({3, 4}, torch::kUInt8);
  r.mask[1][1] = 1;
  r.x = torch::arange(10, 14, torch::kInt64);
  r.y = torch::arange(5, 8, torch::kInt64);
  r.step = torch::tensor({100, 120}, torch::kInt64);
  r.lift = torch::tensor({0.1, -0.2, 0.3}, torch::kFloat64);
  r.drag = torch::tensor({1.4, 1.5, 1.6}, torch::kFloat64);
  r.lift_step = torch::tensor({100, 101, 102}, torch::kInt64);
  for (const std::string& n : flow_param_names()) r.params[n] = static_cast<double>(n.size()) + 0.5;
  r.params["diameter"] = 12;
  return r;
}

TEST(SimulateResults, RoundTrip) {
  const std::string dir = ::testing::TempDir() + "/simulate_results";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/flow.h5";
  const FlowRecord r = small_record();
  write_flow_file(path, r, {{"units", "lattice"}});
  const FlowRecord b = read_flow_file(path);
  EXPECT_TRUE(torch::equal(b.vorticity, r.vorticity));
  EXPECT_EQ(b.vorticity.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(b.ux, r.ux));
  EXPECT_TRUE(torch::equal(b.uy, r.uy));
  EXPECT_TRUE(torch::equal(b.mask, r.mask));
  EXPECT_EQ(b.mask.scalar_type(), torch::kUInt8);
  EXPECT_TRUE(torch::equal(b.x, r.x));
  EXPECT_TRUE(torch::equal(b.y, r.y));
  EXPECT_TRUE(torch::equal(b.step, r.step));
  EXPECT_TRUE(torch::equal(b.lift, r.lift));
  EXPECT_TRUE(torch::equal(b.drag, r.drag));
  EXPECT_TRUE(torch::equal(b.lift_step, r.lift_step));
  EXPECT_EQ(b.params, r.params);
  EXPECT_EQ(open_state_file(path)->read_double("params/diameter"), 12);
  const auto attrs = read_state_attributes(path);
  EXPECT_EQ(attrs.at("units"), "lattice");
  EXPECT_EQ(attrs.at("diameter"), "12");
  EXPECT_EQ(std::stod(attrs.at("tau")), r.params.at("tau"));
}

TEST(SimulateResults, MissingParameterIsAnError) {
  FlowRecord r = small_record();
  r.params.erase("strouhal");
  EXPECT_THROW(write_flow_file(::testing::TempDir() + "/never.h5", r, {}), Error);
}

}  // namespace
}  // namespace curvlab
