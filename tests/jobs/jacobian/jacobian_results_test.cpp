// Jacobian-study records (jobs/jacobian/jacobian_results.cpp) built by hand with known values: the
// scaling names, a map's summary (Lanczos means and spreads, residuals relative to sigma_1^2,
// fraction converged; dense quantiles, the per-image fraction within [1 - tau, 1 + tau] and its
// spread, the fraction of zero values), a perturbation's summary over valid images only (NaN projections skipped), the HDF5
// datasets and both CSV files.
#include "jobs/jacobian/jacobian_results.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "base/state_io.h"
#include "engine/checkpoint/checkpointer.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;
const auto kF64 = torch::kFloat64;

JacobianStudy two_images() {
  JacobianStudy s;
  s.positions = {"stem", "layer1.0"};
  s.sizes = {0.1, 1.0};
  s.taus = {0.1, 0.5};
  s.label = torch::tensor({1, 2}, torch::kInt64);
  s.clean_pred = torch::tensor({1, 0}, torch::kInt64);
  ScalingRecord sc;
  sc.alpha = 0.5;
  MapRecord m;
  m.map = {"layer1.0", "unit", 0, 1, {1, 2}};
  m.in_dim = 4;
  m.out_dim = 4;
  m.top = torch::tensor({{2.0, 1.5}, {4.0, 1.0}}, kF64);
  m.bottom = torch::tensor({{0.5}, {0.7}}, kF64);
  m.top_residual = torch::tensor({{0.04, 0.0}, {0.0, 0.0}}, kF64);  // 0.04 / 2^2 = 0.01
  m.bottom_residual = torch::tensor({{0.0}, {0.32}}, kF64);         // 0.32 / 4^2 = 0.02
  m.steps = torch::tensor({4, 4}, torch::kInt64);
  m.converged = torch::tensor({1, 0}, torch::kInt64);
  m.dense = torch::tensor({{2.0, 1.05, 0.95, 0.5}, {4.0, 1.2, 1.0, 0.7}}, kF64);
  m.seconds = torch::tensor({1.0, 2.0}, kF64);
  sc.maps.push_back(m);
  PerturbationRecord p;
  p.direction = PerturbationDirection::kFgsm;
  p.growth = torch::tensor({{{1.0, 2.0}, {1.0, 4.0}}, {{9.0, 9.0}, {9.0, 9.0}}}, kF64);  // [N, S, K + 1]
  p.linear_growth = p.growth * 0.5;
  p.gap = torch::full({2, 2, 2}, 0.25, kF64);
  p.projection = torch::full({2, 2, 2}, NAN, kF64);
  p.projection.select(2, 1).fill_(0.3);
  p.flipped = torch::tensor({{0, 1}, {1, 1}}, torch::kInt64);
  p.valid = torch::tensor({1, 0}, torch::kInt64);  // image 1 does not count
  sc.perturbations.push_back(p);
  s.scalings.push_back(sc);
  return s;
}

TEST(JacobianResults, Summaries) {
  const JacobianStudy s = two_images();
  EXPECT_EQ(s.scalings[0].name(), "alpha0.5_beta1");
  const MapSummary m = summarize(s.scalings[0].maps[0], s.taus);
  EXPECT_EQ(m.images, 2);
  EXPECT_DOUBLE_EQ(m.top1_mean, 3.0);
  EXPECT_NEAR(m.top1_std, std::sqrt(2.0), 1e-12);
  EXPECT_DOUBLE_EQ(m.bottom1_mean, 0.6);
  EXPECT_DOUBLE_EQ(m.converged, 0.5);
  EXPECT_NEAR(m.max_residual, 0.02, 1e-15);
  ASSERT_TRUE(m.dense);
  // All 8 values sorted: 0.5 0.7 0.95 1.0 1.05 1.2 2.0 4.0 -> median (linear) 1.025.
  EXPECT_NEAR(m.median, 1.025, 1e-12);
  // Within 1 +- 0.1: image 0 has 1.05, 0.95 (2 of 4); image 1 has 1.0 (1 of 4).
  EXPECT_NEAR(m.within_mean[0], 0.375, 1e-12);
  EXPECT_NEAR(m.within_std[0], std::sqrt(2 * 0.125 * 0.125), 1e-12);
  // Within 1 +- 0.5: image 0: 1.05, 0.95, 0.5 (3); image 1: 1.2, 1.0, 0.7 (3).
  EXPECT_NEAR(m.within_mean[1], 0.75, 1e-12);
  // Image medians 1.0 and 1.1.
  EXPECT_NEAR(m.spread, std::sqrt(0.005), 1e-12);
  EXPECT_DOUBLE_EQ(m.zero_fraction, 0.0);
  MapRecord dead = s.scalings[0].maps[0];
  dead.dense = torch::tensor({{2.0, 1.0, 1e-7, 0.0}, {4.0, 3.0, 2.0, 1e-5}}, kF64);  // 1e-7 <= 2e-6; 1e-5 > 4e-6
  EXPECT_DOUBLE_EQ(summarize(dead, s.taus).zero_fraction, 2.0 / 8.0);
  const PerturbationSummary p = summarize(s.scalings[0].perturbations[0], 1, 1);
  EXPECT_EQ(p.images, 1);
  EXPECT_DOUBLE_EQ(p.growth_mean, 4.0);
  EXPECT_DOUBLE_EQ(p.linear_growth_mean, 2.0);
  EXPECT_DOUBLE_EQ(p.gap_median, 0.25);
  EXPECT_DOUBLE_EQ(p.projection_mean, 0.3);
  EXPECT_DOUBLE_EQ(p.flipped, 1.0);
  EXPECT_TRUE(std::isnan(summarize(s.scalings[0].perturbations[0], 0, 0).projection_mean));
  EXPECT_NE(format_jacobian_table(s).find("layer1.0"), std::string::npos);
}

TEST(JacobianResults, FileAndCsvs) {
  const std::string dir = (fs::temp_directory_path() / "curvlab_jacobian_results_test").string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  const JacobianStudy s = two_images();
  write_state_file(dir + "/j.h5", [&](StateWriter& w) { save_jacobian_study(s, w); }, {});
  auto in = open_state_file(dir + "/j.h5");
  const std::string g = "scalings/alpha0.5_beta1/";
  EXPECT_TRUE(in->read_tensor(g + "maps/layer1.0/dense/singular_values").equal(s.scalings[0].maps[0].dense));
  EXPECT_TRUE(in->read_tensor(g + "maps/layer1.0/lanczos/top").equal(s.scalings[0].maps[0].top));
  EXPECT_EQ(in->read_string(g + "maps/layer1.0/kind"), "unit");
  EXPECT_DOUBLE_EQ(in->read_double(g + "maps/layer1.0/seconds_dense"), 2.0);
  EXPECT_TRUE(in->read_tensor(g + "perturbation/fgsm/growth").equal(s.scalings[0].perturbations[0].growth));
  EXPECT_EQ(in->read_string("info/positions"), "stem,layer1.0");
  write_jacobian_csvs(s, dir);
  std::ifstream a(dir + "/jacobian_summary.csv"), b(dir + "/perturbation_summary.csv");
  std::string header, row;
  std::getline(a, header);
  std::getline(a, row);
  EXPECT_NE(header.find("within_0.1_mean,within_0.1_std,within_0.5_mean"), std::string::npos) << header;
  EXPECT_EQ(row.rfind("0.5,1,layer1.0,unit,4,4,2,3,", 0), 0u) << row;
  int rows = 0;
  for (std::string line; std::getline(b, line);) ++rows;
  EXPECT_EQ(rows, 1 + 2 * 2);  // header + sizes x positions
}

}  // namespace
}  // namespace curvlab
