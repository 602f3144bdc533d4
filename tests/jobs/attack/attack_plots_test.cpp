// Attack-study plots (jobs/attack/attack_plots.cpp) from runs built here: the accuracy .dat files
// start at the clean accuracy (eps 0) and hold the summary's accuracy at each eps; the histogram
// counts the fooled images only (fractions summing to 1); the example grid has 3 rows of H pixels
// and m images of W; with gnuplot installed each plot exists as PNG and SVG.
#include "jobs/attack/attack_plots.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/gnuplot_script.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;

std::vector<std::vector<double>> read_dat(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::vector<double>> rows;
  for (std::string line; std::getline(f, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::vector<double> row;
    for (double v; in >> v;) row.push_back(v);
    rows.push_back(row);
  }
  return rows;
}

TEST(AttackPlots, DataFilesAndImages) {
  const std::string dir = (fs::temp_directory_path() / "curvlab_attack_plots_test").string();
  fs::remove_all(dir);
  AttackRun r;
  r.method = AttackMethod::kTr;
  r.norm = AttackNorm::kLinf;
  r.eps = {0.01, 0.1};
  r.allocate(3, 2, {1, 2, 3});
  r.label = torch::tensor({0, 1, 1}, torch::kInt64);
  r.clean_pred = torch::tensor({0, 1, 1}, torch::kInt64);
  r.success = torch::tensor({true, true, false});
  r.linf = torch::tensor({0.05, 0.02, 0.3}, torch::kFloat64);
  r.rel_linf = torch::tensor({0.1, 0.04, 0.6}, torch::kFloat64);
  r.example_clean = torch::rand({2, 1, 2, 3});
  r.example_adv = r.example_clean + 0.01;
  fill_correct_at_eps(r);
  const bool plotted = write_attack_plots({r}, dir);
  const auto acc = read_dat(dir + "/accuracy_tr_linf.dat");
  ASSERT_EQ(acc.size(), 3u);
  EXPECT_EQ(acc[0], (std::vector<double>{0, 1}));
  EXPECT_NEAR(acc[1][1], 1.0, 1e-12);       // nothing fooled within 0.01
  EXPECT_NEAR(acc[2][1], 1.0 / 3, 1e-8);    // both fooled images within 0.1
  const auto hist = read_dat(dir + "/rel_hist_tr_linf.dat");
  double total = 0;
  for (const auto& row : hist) total += row[1];
  EXPECT_NEAR(total, 1.0, 1e-12);
  const auto grid = read_dat(dir + "/examples_tr_linf.dat");
  ASSERT_EQ(grid.size(), 6u);  // 3 rows of 2 pixels
  EXPECT_EQ(grid[0].size(), 6u);  // 2 images of 3 pixels
  if (gnuplot_available()) {
    EXPECT_TRUE(plotted);
    for (const char* p : {"accuracy_vs_eps_linf", "relative_perturbation_linf", "examples_tr_linf"}) {
      EXPECT_TRUE(fs::exists(dir + "/" + p + ".png")) << p;
      EXPECT_TRUE(fs::exists(dir + "/" + p + ".svg")) << p;
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace curvlab
