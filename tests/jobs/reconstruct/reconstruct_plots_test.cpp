// Reconstruct plots (jobs/reconstruct/reconstruct_plots.cpp) from a study built by hand: the field
// matrices (truth and each method's drawn snapshot), the sensor positions, error against sensors
// and over time as .dat files with the study's values; with gnuplot the PNG and SVG images exist.
#include "jobs/reconstruct/reconstruct_plots.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/gnuplot_script.h"
#include "jobs/reconstruct/reconstruct_study.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;

std::vector<std::vector<double>> rows(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::vector<double>> out;
  for (std::string line; std::getline(f, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::vector<double> r;
    for (double v; in >> v;) r.push_back(v);
    out.push_back(r);
  }
  return out;
}

TEST(ReconstructPlots, DataFilesAndImages) {
  const std::string dir = (fs::temp_directory_path() / "curvlab_reconstruct_plots_test").string();
  fs::remove_all(dir);
  const ReconstructStudy s = testing_reconstruct::small_study();
  const bool plotted = write_reconstruct_plots(s, 3, dir);
  const auto truth = rows(dir + "/field_truth.dat");
  ASSERT_EQ(truth.size(), 3u);
  ASSERT_EQ(truth[0].size(), 4u);
  EXPECT_DOUBLE_EQ(truth[0][0], -1.0);
  EXPECT_DOUBLE_EQ(truth[2][3], 1.0);
  const auto pod = rows(dir + "/sensors_2_pod.dat");
  EXPECT_NEAR(pod[2][3], 1.0 - 0.25, 1e-6);
  const auto pos = rows(dir + "/sensors_3_positions.dat");
  ASSERT_EQ(pos.size(), 3u);
  EXPECT_EQ(pos[1], (std::vector<double>{1, 1}));  // pixel 5: column 1, row 1
  const auto vs = rows(dir + "/error_vs_sensors_pod.dat");
  ASSERT_EQ(vs.size(), 2u);
  ASSERT_EQ(vs[1].size(), 3u);
  EXPECT_EQ(vs[1][0], 3);
  EXPECT_NEAR(vs[1][1], 0.5 / 3, 1e-8);  // %.9g in the file
  EXPECT_NEAR(vs[1][2], 0.25 / 3, 1e-8);
  const auto time = rows(dir + "/error_over_time_decoder.dat");  // the 3-sensor count
  ASSERT_EQ(time.size(), 3u);
  EXPECT_DOUBLE_EQ(time[2][0], 120);
  EXPECT_NEAR(time[2][1], 0.1, 1e-12);
  if (gnuplot_available()) {
    EXPECT_TRUE(plotted);
    for (const char* p : {"fields_sensors_2", "fields_sensors_3", "error_vs_sensors", "error_over_time"}) {
      EXPECT_TRUE(fs::exists(dir + "/" + p + ".png")) << p;
      EXPECT_TRUE(fs::exists(dir + "/" + p + ".svg")) << p;
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace curvlab
