// The plots of a simulate run (jobs/simulate/simulate_plots.cpp): the data files (the last
// vorticity snapshot on the window's lattice coordinates, 0 on the cylinder; the lift and drag
// series) and the gnuplot script; the images when gnuplot is installed.
#include "jobs/simulate/simulate_plots.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/gnuplot_script.h"

namespace curvlab {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SimulatePlots, DataFilesAndImages) {
  FlowRecord r;
  r.vorticity = torch::ones({2, 2, 3}, torch::kFloat32);
  r.vorticity[1][0][2] = -0.5;
  r.ux = r.vorticity.clone();
  r.uy = r.vorticity.clone();
  r.mask = torch::zeros({2, 3}, torch::kUInt8);
  r.mask[1][1] = 1;
  r.x = torch::tensor({7, 8, 9}, torch::kInt64);
  r.y = torch::tensor({3, 4}, torch::kInt64);
  r.step = torch::tensor({10, 20}, torch::kInt64);
  r.lift = torch::tensor({0.25, -0.25}, torch::kFloat64);
  r.drag = torch::tensor({1.5, 1.25}, torch::kFloat64);
  r.lift_step = torch::tensor({10, 11}, torch::kInt64);
  const std::string dir = ::testing::TempDir() + "/simulate_plots";
  std::filesystem::remove_all(dir);
  const bool drawn = write_flow_plots(r, dir);
  const std::string v = read(dir + "/vorticity.dat");
  EXPECT_NE(v.find("step 20"), std::string::npos) << v;
  EXPECT_NE(v.find("9 3 -0.5\n"), std::string::npos) << v;
  EXPECT_NE(v.find("8 4 0\n"), std::string::npos) << v;  // the cylinder: 0, drawn over
  EXPECT_NE(read(dir + "/lift.dat").find("11 -0.25 1.25\n"), std::string::npos);
  EXPECT_NE(read(dir + "/flow_plots.gp").find("with image"), std::string::npos);
  EXPECT_EQ(drawn, gnuplot_available());
  if (drawn) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/vorticity.png"));
    EXPECT_TRUE(std::filesystem::exists(dir + "/lift.svg"));
  }
}

}  // namespace
}  // namespace curvlab
