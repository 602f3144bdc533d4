// The report of one run (jobs/report/run_report.cpp) from a hand-made run directory: the data files
// hold the CSV values (NaN kept as gaps), summary.md says the status, the steps and evaluations
// logged, the last losses, the best test accuracy with its step, the median noise scale of the second
// half, and the target from the run's job.toml or from an override (reached with step, epoch and wall
// time, or not); the plots of the columns that have values; an empty run directory reports "none".
#include "jobs/report/run_report.h"

#include <gtest/gtest.h>

#include "algorithms/scaling/target.h"
#include "base/gnuplot_script.h"
#include "jobs/capture_output.h"
#include "jobs/report/fixture_sweep.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;
using report_test::write;
using jobs_test::read_file;

void write_run(const fs::path& run) {
  write(run / "status", "done\n");
  write(run / "job.toml", "[job]\noutput_dir = \"x\"\n[train]\ntarget_metric = \"test_accuracy\"\ntarget_value = 0.7\n");
  write(run / "metrics_steps.csv",
        "step,epoch,loss,accuracy,lr,batch_size,samples_per_s,wall_time,grad_sq_norm,trace_sigma,noise_scale\n"
        "1,0.25,2,0.25,0.1,32,100,0.1,1,1,nan\n2,0.5,1.5,0.5,0.1,32,100,0.2,1,1,40\n"
        "3,0.75,1.25,0.5,0.05,64,100,0.3,1,1,60\n4,1,nan,0.75,0.05,64,100,0.4,1,1,50\n");
  write(run / "metrics_evals.csv",
        "step,epoch,train_loss,test_loss,test_accuracy,wall_time\n2,0.5,1.7,1.2,0.6,0.25\n4,1,1.3,0.9,0.8,0.5\n");
}

TEST(RunReport, SummaryAndDataFromTheRunsFiles) {
  jobs_test::ScratchDir dir("run_report");
  write_run(fs::path(dir.path()) / "run");
  jobs_test::Capture err(2);
  const RunReport r = write_run_report(dir / "run", dir / "out", Target{});
  err.stop();
  const std::string md = read_file(dir / "out/summary.md");
  EXPECT_EQ(md, r.summary_markdown);
  EXPECT_NE(md.find("# Run report: " + dir / "run" + "\n"), std::string::npos) << md;
  EXPECT_NE(md.find("- status: done\n"), std::string::npos) << md;
  EXPECT_NE(md.find("- steps logged: 4 (last step 4, epoch 1)\n- evaluations: 2\n"), std::string::npos) << md;
  EXPECT_NE(md.find("- last train loss (batch): 1.25\n"), std::string::npos) << md;  // the NaN of step 4 skipped
  EXPECT_NE(md.find("- last test loss: 0.9 (step 4)\n"), std::string::npos) << md;
  EXPECT_NE(md.find("- best test accuracy: 0.8 (step 4)\n"), std::string::npos) << md;
  // Second half (steps 3, 4): median of 60 and 50.
  EXPECT_NE(md.find("- gradient noise scale B_simple (median over the second half): 55\n"), std::string::npos) << md;
  EXPECT_NE(md.find("- target test_accuracy >= 0.7: reached at step 4, epoch 1, 0.5 s\n"), std::string::npos) << md;
  EXPECT_EQ(read_file(dir / "out/evals.dat"),
            "# step epoch train_loss test_loss test_accuracy (from " + dir / "run" + "/metrics_evals.csv)\n"
            "2 0.5 1.7 1.2 0.6\n4 1 1.3 0.9 0.8\n");
  const std::string steps = read_file(dir / "out/steps.dat");
  EXPECT_NE(steps.find("\n1 0.25 2 0.25 0.1 32 nan\n"), std::string::npos) << steps;
  EXPECT_NE(steps.find("\n4 1 nan 0.75 0.05 64 50\n"), std::string::npos) << steps;
  EXPECT_NE(md.find("Plots: loss, accuracy, lr, batch_size, noise_scale"), std::string::npos) << md;
  EXPECT_EQ(r.plots_drawn, gnuplot_available());
  if (r.plots_drawn) {
    for (const char* p : {"loss", "accuracy", "lr", "batch_size", "noise_scale"}) {
      EXPECT_TRUE(fs::exists(dir / (std::string("out/") + p + ".png"))) << p;
    }
  }
  // An override replaces the run's target: a loss target, not reached.
  const RunReport o = write_run_report(dir / "run", dir / "out2", parse_target("test_loss=0.5"));
  EXPECT_NE(o.summary_markdown.find("- target test_loss <= 0.5: not reached\n"), std::string::npos) << o.summary_markdown;
}

TEST(RunReport, EmptyRunDirectory) {
  jobs_test::ScratchDir dir("run_report_empty");
  fs::create_directories(dir / "run");
  const RunReport r = write_run_report(dir / "run", dir / "out", Target{});
  EXPECT_NE(r.summary_markdown.find("- status: (no status file)\n- steps logged: 0\n- evaluations: 0\n"), std::string::npos)
      << r.summary_markdown;
  EXPECT_NE(r.summary_markdown.find("Plots: none (no metrics yet)"), std::string::npos) << r.summary_markdown;
  EXPECT_FALSE(r.plots_drawn);
  EXPECT_EQ(r.summary_markdown.find("- target"), std::string::npos);
}

}  // namespace
}  // namespace curvlab
