// `curvlab report` (jobs/report/report.cpp): a sweep directory gives the sweep report (its files in
// DIR/report or --out, the key table and each optimizer's critical batch in the printed text, and
// errors for no target and a bad sweep.tsv); a run directory gives the run report; anything else, or
// not a directory, is a ConfigError. The binary end to end: report_test.py (jobs.report_cli).
#include "jobs/report/report.h"

#include <gtest/gtest.h>

#include "algorithms/scaling/target.h"
#include "base/error.h"
#include "jobs/report/fixture_sweep.h"
#include "jobs/report/metrics_csv.h"

namespace curvlab {
namespace {

using namespace report_test;

TEST(Report, SweepReportWritesTablesAndRejectsBadInput) {
  const fs::path dir = write_fixture("cli", fixture_runs());
  // No target in the job files and none given.
  EXPECT_THROW(make_report(dir.string(), {}), ConfigError);
  ReportOptions options;
  options.target = parse_target("test_accuracy=0.8");
  options.out_dir = (dir / "out").string();
  const ReportOutcome out = make_report(dir.string(), options);
  EXPECT_EQ(out.kind, "sweep");
  for (const char* f : {"steps_to_target.csv", "steps_to_target.md", "settings.csv", "runs.csv", "summary.md"}) {
    EXPECT_TRUE(fs::is_regular_file(dir / "out" / f)) << f;
  }
  const MetricsCsv table = read_metrics_csv((dir / "out" / "steps_to_target.csv").string());
  ASSERT_EQ(table.rows(), 8u);
  EXPECT_EQ(table.columns.at("steps")[0], 500);  // kfac 128 (rows sorted by optimizer name)
  EXPECT_NE(out.text.find("measured critical batch 512"), std::string::npos) << out.text;
  // Neither a run nor a sweep.
  const fs::path empty = dir / "empty";
  fs::create_directories(empty);
  EXPECT_THROW(make_report(empty.string(), {}), ConfigError);
  // A sweep.tsv with a bad header.
  write(empty / "sweep.tsv", "run\tdir\n");
  EXPECT_THROW(make_report(empty.string(), options), ConfigError);
  fs::remove_all(dir);
}

TEST(Report, RunDirectoryGivesTheRunReport) {
  const fs::path dir = fs::temp_directory_path() / ("curvlab_report_run_" + std::to_string(getpid()));
  fs::remove_all(dir);
  write(dir / "run/status", "done\n");
  write(dir / "run/metrics_evals.csv", "step,epoch,train_loss,test_loss,test_accuracy,wall_time\n10,1,1,0.9,0.5,1\n20,2,0.8,0.7,0.75,2\n");
  write(dir / "run/metrics_steps.csv", "step,epoch,loss,accuracy,lr,batch_size,samples_per_s,wall_time\n10,1,1,0.5,0.1,32,100,1\n");
  const ReportOutcome out = make_report((dir / "run").string(), {});
  EXPECT_EQ(out.kind, "run");
  EXPECT_EQ(out.out_dir, (dir / "run" / "report").string());
  EXPECT_TRUE(fs::is_regular_file(dir / "run/report/summary.md"));
  EXPECT_EQ(out.text.rfind("run report: " + out.out_dir + "/summary.md\n\n", 0), 0u) << out.text;
  EXPECT_NE(out.text.find("status: done"), std::string::npos) << out.text;
  ReportOptions elsewhere;
  elsewhere.out_dir = (dir / "elsewhere").string();
  EXPECT_EQ(make_report((dir / "run").string(), elsewhere).out_dir, elsewhere.out_dir);
  EXPECT_TRUE(fs::is_regular_file(dir / "elsewhere/summary.md"));
  try {
    make_report((dir / "run/status").string(), {});
    ADD_FAILURE() << "a file is not a directory";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("is not a directory"), std::string::npos) << e.what();
  }
  fs::create_directories(dir / "nothing");
  try {
    make_report((dir / "nothing").string(), {});
    ADD_FAILURE() << "neither a sweep nor a run";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("is neither a sweep directory (no sweep.tsv) nor a run directory"), std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace curvlab
