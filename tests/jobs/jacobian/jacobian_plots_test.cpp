// Jacobian-study plots (jobs/jacobian/jacobian_plots.cpp) from a study built here: the per-unit
// .dat file holds the quantiles of the dense singular values (min, q10, median, q90, max) and the
// Lanczos means; one growth .dat per scaling, direction and size with the summary's mean growth (median: torch's lower middle value);
// with gnuplot installed both plots exist as PNG and SVG, also with a scaling whose Lanczos columns
// are empty and whose images are all misclassified (no growth plot for it).
#include "jobs/jacobian/jacobian_plots.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/gnuplot_script.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;

std::vector<double> first_row(const std::string& path) {
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::vector<double> row;
    for (double v; in >> v;) row.push_back(v);
    return row;
  }
  return {};
}

TEST(JacobianPlots, DataFilesAndImages) {
  const std::string dir = (fs::temp_directory_path() / "curvlab_jacobian_plots_test").string();
  fs::remove_all(dir);
  JacobianStudy s;
  s.positions = {"stem", "layer1.0"};
  s.sizes = {0.5};
  s.taus = {0.1};
  ScalingRecord sc;
  MapRecord m;
  m.map = {"layer1.0", "unit", 0, 1, {1, 2}};
  m.top = torch::tensor({{3.0}, {5.0}}, torch::kFloat64);
  m.bottom = torch::tensor({{0.1}, {0.3}}, torch::kFloat64);
  m.top_residual = torch::zeros({2, 1}, torch::kFloat64);
  m.bottom_residual = torch::zeros({2, 1}, torch::kFloat64);
  m.converged = torch::ones({2}, torch::kInt64);
  m.dense = torch::tensor({{5.0, 1.0, 0.0}, {3.0, 2.0, 1.0}}, torch::kFloat64);  // 0 1 1 2 3 5
  sc.maps.push_back(m);
  PerturbationRecord p;
  p.growth = torch::tensor({{{1.0, 3.0}}, {{2.0, 5.0}}}, torch::kFloat64);
  p.linear_growth = p.growth;
  p.gap = torch::zeros({2, 1, 2}, torch::kFloat64);
  p.projection = torch::zeros({2, 1, 2}, torch::kFloat64);
  p.flipped = torch::zeros({2, 1}, torch::kInt64);
  p.valid = torch::ones({2}, torch::kInt64);
  sc.perturbations.push_back(p);
  s.scalings.push_back(sc);
  // A rescaled network without Lanczos values and with no correctly classified image: its series
  // are left out (gnuplot fails on a series without a number), the plots still drawn.
  ScalingRecord bare = sc;
  bare.alpha = 0.5;
  bare.maps[0].top = torch::full({2, 1}, NAN, torch::kFloat64);
  bare.maps[0].bottom = torch::full({2, 1}, NAN, torch::kFloat64);
  bare.perturbations[0].valid = torch::zeros({2}, torch::kInt64);
  s.scalings.push_back(bare);
  const bool drawn = write_jacobian_plots(s, dir);
  const std::vector<double> unit = first_row(dir + "/units_alpha1_beta1.dat");
  ASSERT_EQ(unit.size(), 8u);
  EXPECT_DOUBLE_EQ(unit[1], 0.0);   // min
  EXPECT_DOUBLE_EQ(unit[3], 1.5);   // median of 0 1 1 2 3 5
  EXPECT_DOUBLE_EQ(unit[5], 5.0);   // max
  EXPECT_DOUBLE_EQ(unit[6], 4.0);   // top1 mean
  EXPECT_DOUBLE_EQ(unit[7], 0.2);   // bottom1 mean
  std::ifstream g(dir + "/growth_alpha1_beta1_random_0.dat");
  std::string line;
  std::getline(g, line);
  std::getline(g, line);
  std::getline(g, line);
  EXPECT_EQ(line.rfind("1 4 3 4 0 layer1.0", 0), 0u) << line;
  EXPECT_TRUE(fs::exists(dir + "/jacobian_plots.gp"));
  if (gnuplot_available()) {
    EXPECT_TRUE(drawn);
    for (const char* name : {"singular_values_per_unit", "growth_alpha1_beta1"}) {
      EXPECT_TRUE(fs::exists(dir + "/" + std::string(name) + ".png")) << name;
      EXPECT_TRUE(fs::exists(dir + "/" + std::string(name) + ".svg")) << name;
    }
    EXPECT_FALSE(fs::exists(dir + "/growth_alpha0.5_beta1.png"));
  }
}

}  // namespace
}  // namespace curvlab
