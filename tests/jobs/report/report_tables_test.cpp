// The tables of a sweep report (jobs/report/report_tables.cpp) on the fixture sweep of
// fixture_sweep.h, whose steps to target are known by construction: steps_to_target.csv holds one
// row per optimizer and batch size with those steps, the epochs (steps x B / 12800) and wall times of
// the fixture, the perfect-scaling steps and efficiencies (tolerance 1e-9 after the tables' 6
// significant digits: exact here); settings.csv one row per setting, runs.csv one per run with its
// state; the Markdown key table; summary.md with the plots note; report_number's formats; the
// edge-of-grid column and list (the fixture's best learning rates sit at both ends of its grid).
#include "jobs/report/report_tables.h"

#include <gtest/gtest.h>

#include <sstream>

#include "algorithms/scaling/study.h"
#include "algorithms/scaling/target.h"
#include "jobs/capture_output.h"
#include "jobs/report/fixture_sweep.h"
#include "jobs/report/metrics_csv.h"
#include "jobs/report/sweep_reader.h"

namespace curvlab {
namespace {

using namespace report_test;
using jobs_test::read_file;

TEST(ReportTables, ReportNumber) {
  EXPECT_EQ(report_number(500), "500");
  EXPECT_EQ(report_number(1.0 / 3), "0.333333");
  EXPECT_EQ(report_number(1234567), "1.23457e+06");
  EXPECT_EQ(report_number(NAN), "nan");
  EXPECT_EQ(report_number(INFINITY), "inf");
  EXPECT_EQ(report_number(-INFINITY), "-inf");
}

TEST(ReportTables, FixtureSweepTables) {
  const fs::path dir = write_fixture("tables", fixture_runs());
  const SweepData sweep = read_sweep(dir.string(), parse_target("test_accuracy=0.8"));
  const StudyResult study = analyse_study(sweep.runs, sweep.target);
  write_report_tables(sweep, study, (dir / "out").string(), "Plots: a note for the test");
  const MetricsCsv t = read_metrics_csv((dir / "out/steps_to_target.csv").string());
  ASSERT_EQ(t.rows(), 8u);
  for (std::size_t i = 0; i < t.rows(); ++i) {
    const int b = static_cast<int>(t.columns.at("batch_size")[i]);
    const bool kfac = i < 4;  // rows sorted by optimizer name: kfac first
    const double steps = (kfac ? kKfacSteps : kSgdSteps).at(b);
    const double anchor = kfac ? 500 : 800;
    SCOPED_TRACE((kfac ? "kfac " : "sgd ") + std::to_string(b));
    EXPECT_NEAR(t.columns.at("steps")[i], steps, kTol);
    EXPECT_NEAR(t.columns.at("epochs")[i], steps * b / kTrainSize, 1e-5 * steps * b / kTrainSize);  // 6 digits
    EXPECT_NEAR(t.columns.at("wall_time")[i], wall_at(steps, b), 1e-5 * wall_at(steps, b));
    EXPECT_NEAR(t.columns.at("perfect_scaling_steps")[i], anchor * 128 / b, kTol);
    EXPECT_NEAR(t.columns.at("speedup")[i], anchor / steps, 1e-5 * anchor / steps);
    EXPECT_NEAR(t.columns.at("perfect_speedup")[i], b / 128.0, kTol);
    EXPECT_EQ(t.columns.at("runs")[i], 4);
  }
  const std::string csv = read_file((dir / "out/steps_to_target.csv").string());
  EXPECT_EQ(csv.rfind("optimizer,batch_size,best_setting,best_run,steps,", 0), 0u);
  EXPECT_NE(csv.find("\nkfac,128,train.lr=0.2,kfac-128-0.2-s1,500,"), std::string::npos) << csv;
  // settings.csv: 2 settings per group; runs.csv: every readable run with its state.
  const std::string settings = read_file((dir / "out/settings.csv").string());
  EXPECT_EQ(std::count(settings.begin(), settings.end(), '\n'), 1 + 16);
  const std::string runs = read_file((dir / "out/runs.csv").string());
  EXPECT_EQ(std::count(runs.begin(), runs.end(), '\n'), 1 + 32);
  EXPECT_NE(runs.find("\nkfac-1024-0.1-s2,kfac,1024,train.lr=0.1,2,diverged,"), std::string::npos) << runs;
  EXPECT_NE(runs.find("\nsgd-1024-0.2-s2,sgd,1024,train.lr=0.2,2,pending,"), std::string::npos) << runs;
  const std::string md = steps_to_target_markdown(study);
  EXPECT_NE(md.find("| kfac | 128 |"), std::string::npos) << md;
  EXPECT_NE(read_file((dir / "out/steps_to_target.md").string()).find(md.substr(0, 40)), std::string::npos);
  const std::string summary = read_file((dir / "out/summary.md").string());
  EXPECT_NE(summary.find("Plots: a note for the test"), std::string::npos) << summary;
  EXPECT_NE(summary.find("sgd-128-0.1-s3"), std::string::npos) << "the unreadable run is listed: " << summary;
  fs::remove_all(dir);
}

// The fixture sweeps lr over {0.1, 0.2}: SGD's best is 0.1 at every batch size (the lower edge; at
// 1024, 0.2 never reaches the target but was tried), K-FAC's 0.2 (the upper edge).
TEST(ReportTables, BestSettingsAtTheEdgeOfTheGridAreFlagged) {
  const fs::path dir = write_fixture("edges", fixture_runs());
  const SweepData sweep = read_sweep(dir.string(), parse_target("test_accuracy=0.8"));
  const StudyResult study = analyse_study(sweep.runs, sweep.target, sweep.axes);
  write_report_tables(sweep, study, (dir / "out").string(), "Plots: none");
  const std::string csv = read_file((dir / "out/steps_to_target.csv").string());
  const std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_EQ(header.substr(header.rfind(',') + 1), "best_at_edge") << header;
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  int rows = 0;
  while (std::getline(lines, line)) {
    ++rows;
    const std::string edge = line.substr(line.rfind(',') + 1);
    EXPECT_EQ(edge, line.rfind("sgd,", 0) == 0 ? "train.lr=0.1:lower" : "train.lr=0.2:upper") << line;
  }
  EXPECT_EQ(rows, 8);
  const std::string md = steps_to_target_markdown(study);
  EXPECT_NE(md.find("| best at edge |"), std::string::npos) << md;
  EXPECT_NE(md.find("| sgd | 512 | train.lr=0.1 | train.lr=0.1 (lower) | 200 |"), std::string::npos) << md;
  const std::string summary = read_file((dir / "out/summary.md").string());
  EXPECT_NE(summary.find("## Best settings at the edge of the grid"), std::string::npos) << summary;
  EXPECT_NE(summary.find("- **sgd, batch 128**: `train.lr` = 0.1, the lowest value swept (0.1, 0.2), gives the best "
                         "steps to target, 800 (lower edge): an upper bound; widen the grid below 0.1.\n"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("- **kfac, batch 1024**: `train.lr` = 0.2, the highest value swept (0.1, 0.2), gives the "
                         "best steps to target, 150 (upper edge): an upper bound; widen the grid above 0.2.\n"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("- sgd: 4 of 4 batch sizes have their best setting at the edge of the grid"),
            std::string::npos)
      << summary;
  // The fixture has no sweep.toml: every key is a grid key, and the summary says why.
  EXPECT_NE(summary.find("sweep.toml could not be read"), std::string::npos) << summary;
  fs::remove_all(dir);
}

TEST(ReportTables, ATieWithTheEdgeIsFlaggedAndNamed) {
  // lr over {0.05, 0.1, 0.2}: 0.1 and 0.2 both reach the target at step 400 (the tie-break picks
  // one of them); 0.2 is the largest tried, so the plateau of best values is not bracketed.
  const std::vector<FixtureRun> runs = {{"sgd", 128, "0.05", 1, 600}, {"sgd", 128, "0.1", 1, 400},
                                        {"sgd", 128, "0.2", 1, 400}};
  const fs::path dir = write_fixture("tie", runs);
  const SweepData sweep = read_sweep(dir.string(), parse_target("test_accuracy=0.8"));
  const StudyResult study = analyse_study(sweep.runs, sweep.target, sweep.axes);
  ASSERT_EQ(study.groups.size(), 1u);
  EXPECT_EQ(edge_cell(study.groups[0].edges), "train.lr=0.2:upper");
  write_report_tables(sweep, study, (dir / "out").string(), "Plots: none");
  const std::string summary = read_file((dir / "out/summary.md").string());
  EXPECT_NE(summary.find("`train.lr` = 0.2, the highest value swept (0.05, 0.1, 0.2), gives the best steps to target, "
                         "400 (so do 0.1) (upper edge)"),
            std::string::npos)
      << summary;
  fs::remove_all(dir);
}

TEST(ReportTables, InteriorBestSettingsAreNotFlagged) {
  // One group, lr over {0.05, 0.1, 0.2}: the best (0.1) is interior; one seed each.
  const std::vector<FixtureRun> runs = {{"sgd", 128, "0.05", 1, 600}, {"sgd", 128, "0.1", 1, 400},
                                        {"sgd", 128, "0.2", 1, 500}};
  const fs::path dir = write_fixture("interior", runs);
  const SweepData sweep = read_sweep(dir.string(), parse_target("test_accuracy=0.8"));
  const StudyResult study = analyse_study(sweep.runs, sweep.target, sweep.axes);
  ASSERT_EQ(study.groups.size(), 1u);
  EXPECT_TRUE(study.groups[0].edges.empty());
  write_report_tables(sweep, study, (dir / "out").string(), "Plots: none");
  const std::string csv = read_file((dir / "out/steps_to_target.csv").string());
  EXPECT_EQ(csv.substr(csv.size() - 2), ",\n") << "an empty best_at_edge cell: " << csv;
  const std::string summary = read_file((dir / "out/summary.md").string());
  EXPECT_NE(summary.find("## Best settings at the edge of the grid\n\nNone: every group's best value"), std::string::npos)
      << summary;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace curvlab
