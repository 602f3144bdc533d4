// The hessian job's plots (jobs/hessian/hessian_plots.cpp) from a report built here: the .dat files
// hold exactly the report's numbers (density floored at 1e-300 for the log scale; per-layer trace,
// SE and trace per parameter; the running mean and SE per probe), the script has the three plots,
// and with gnuplot installed each plot exists as PNG and SVG; a report with no trace and no density
// gives no data files.
#include "jobs/hessian/hessian_plots.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "base/gnuplot_script.h"
#include "jobs/capture_output.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;
using jobs_test::read_file;

HessianReport report() {
  HessianReport r;
  ParamGroup a, b;
  a.name = "fc1";
  a.numel = 20;
  b.name = "fc2";
  b.numel = 15;
  r.layers = {a, b};
  TraceResult t;
  t.groups = {{4.0, 0.5}, {1.5, 0.25}};
  t.total = {5.5, 0.6};
  t.running_mean = {6.0, 5.0, 5.5};
  t.running_se = {0.0, 1.0, 0.6};
  r.trace = t;
  SlqResult d;
  d.grid = torch::tensor({-1.0, 0.0, 2.5}, torch::kFloat64);
  d.density = torch::tensor({0.0, 0.25, 0.5}, torch::kFloat64);
  d.sigma = 0.125;
  r.density = d;
  return r;
}

TEST(HessianPlots, DataFilesHoldTheReportsNumbers) {
  jobs_test::ScratchDir dir("hessian_plots");
  jobs_test::Capture err(2);
  const bool drawn = write_hessian_plots(report(), dir / "plots");
  err.stop();
  EXPECT_EQ(read_file(dir / "plots/density.dat"),
            "# eigenvalue density (SLQ, Gaussian sigma 0.125)\n-1 1e-300\n0 0.25\n2.5 0.5\n");
  EXPECT_EQ(read_file(dir / "plots/layer_traces.dat"),
            "# index layer trace se trace_per_param\n0 fc1 4 0.5 0.2\n1 fc2 1.5 0.25 0.1\n");
  EXPECT_EQ(read_file(dir / "plots/trace_convergence.dat"),
            "# probes running_mean running_se\n1 6 0\n2 5 1\n3 5.5 0.6\n");
  const std::string gp = read_file(dir / "plots/hessian_plots.gp");
  for (const char* plot : {"density", "layer_traces", "trace_convergence"}) {
    EXPECT_NE(gp.find(std::string("'") + plot + ".dat'"), std::string::npos) << plot;
  }
  if (!gnuplot_available()) {
    EXPECT_FALSE(drawn);
    GTEST_SKIP() << "gnuplot is not installed: data and script checked, images not";
  }
  EXPECT_TRUE(drawn) << err.text();
  for (const char* plot : {"density", "layer_traces", "trace_convergence"}) {
    EXPECT_GT(fs::file_size(dir / (std::string("plots/") + plot + ".png")), 0u) << plot;
    EXPECT_GT(fs::file_size(dir / (std::string("plots/") + plot + ".svg")), 0u) << plot;
  }
}

TEST(HessianPlots, NothingToPlotWritesNoData) {
  jobs_test::ScratchDir dir("hessian_plots_none");
  jobs_test::Capture err(2);
  write_hessian_plots(HessianReport{}, dir / "plots");
  err.stop();
  EXPECT_TRUE(fs::is_directory(dir / "plots"));
  EXPECT_FALSE(fs::exists(dir / "plots/density.dat"));
  EXPECT_FALSE(fs::exists(dir / "plots/layer_traces.dat"));
}

}  // namespace
}  // namespace curvlab
