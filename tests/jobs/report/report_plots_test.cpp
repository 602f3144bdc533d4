// The plots of a sweep report (jobs/report/report_plots.cpp) on the fixture sweep of
// fixture_sweep.h: scaling_<optimizer>.dat holds per batch size the known steps to target, the
// perfect-scaling steps, the epochs and the fraction of settings reaching the target; a curve file
// per batch size's best run holds its evaluations; the plots listed are steps_to_target,
// epochs_to_target, sensitivity and one target_curves plot per optimizer, drawn (PNG + SVG) when
// gnuplot is installed.
#include "jobs/report/report_plots.h"

#include <gtest/gtest.h>

#include "algorithms/scaling/study.h"
#include "algorithms/scaling/target.h"
#include "base/gnuplot_script.h"
#include "jobs/capture_output.h"
#include "jobs/report/fixture_sweep.h"
#include "jobs/report/sweep_reader.h"

namespace curvlab {
namespace {

using namespace report_test;
using jobs_test::read_file;

TEST(ReportPlots, DataFilesAndPlotsOfTheFixtureSweep) {
  const fs::path dir = write_fixture("plots", fixture_runs());
  const SweepData sweep = read_sweep(dir.string(), parse_target("test_accuracy=0.8"));
  const StudyResult study = analyse_study(sweep.runs, sweep.target);
  fs::create_directories(dir / "out");
  jobs_test::Capture err(2);
  const PlotsResult r = write_sweep_plots(study, (dir / "out").string());
  err.stop();
  EXPECT_EQ(r.plots, (std::vector<std::string>{"steps_to_target", "epochs_to_target", "sensitivity",
                                               "target_curves_kfac", "target_curves_sgd"}));
  for (const char* opt : {"kfac", "sgd"}) {
    const bool kfac = std::string(opt) == "kfac";
    std::stringstream in(read_file((dir / "out" / (std::string("scaling_") + opt + ".dat")).string()));
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line.rfind(std::string("# ") + opt + ": batch_size steps perfect_scaling_steps epochs reached_fraction", 0), 0u);
    int rows = 0;
    for (double b, steps, perfect, epochs, fraction; in >> b >> steps >> perfect >> epochs >> fraction; ++rows) {
      SCOPED_TRACE(std::string(opt) + " " + std::to_string(b));
      const double expected = (kfac ? kKfacSteps : kSgdSteps).at(static_cast<int>(b));
      EXPECT_NEAR(steps, expected, kTol);
      EXPECT_NEAR(perfect, (kfac ? 500.0 : 800.0) * 128 / b, kTol);
      EXPECT_NEAR(epochs, expected * b / kTrainSize, 1e-9 * expected);
      EXPECT_NEAR(fraction, b == 1024 ? 0.5 : 1.0, kTol);
    }
    EXPECT_EQ(rows, 4) << opt;
  }
  // The best run of kfac at 128 is kfac-128-0.2-s1: its evaluations, every 10 steps to 1200.
  const std::string curve = read_file((dir / "out/curve_kfac_128.dat").string());
  EXPECT_EQ(curve.rfind("# run kfac-128-0.2-s1 (kfac, batch 128, train.lr=0.2): step epoch test_accuracy\n", 0), 0u) << curve;
  EXPECT_NE(curve.find("\n490 4.9 0.85\n"), std::string::npos) << curve;  // reached at step 490
  const std::string gp = read_file((dir / "out/sweep_plots.gp").string());
  EXPECT_NE(gp.find("'scaling_kfac.dat' using 1:2"), std::string::npos);
  EXPECT_EQ(r.drawn, gnuplot_available());
  if (r.drawn) {
    for (const auto& p : r.plots) {
      EXPECT_TRUE(fs::exists(dir / "out" / (p + ".png"))) << p;
      EXPECT_TRUE(fs::exists(dir / "out" / (p + ".svg"))) << p;
    }
  }
  EXPECT_FALSE(r.note.empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace curvlab
