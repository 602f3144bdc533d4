// Reading a run's metrics CSV (jobs/report/metrics_csv.cpp) as a live or crashed run leaves it:
// nan and inf values, a column the file lacks read as NaN, a last line cut off mid-write dropped, an
// absent or empty file an empty table, cells that are not numbers NaN, rows of the wrong length skipped.
#include "jobs/report/metrics_csv.h"

#include <gtest/gtest.h>

#include "jobs/report/fixture_sweep.h"

namespace curvlab {
namespace {

using namespace report_test;

TEST(MetricsCsv, ToleratesMissingColumnsNanAndACutOffLastLine) {
  const fs::path dir = fs::temp_directory_path() / ("curvlab_csv_" + std::to_string(getpid()));
  fs::create_directories(dir);
  write(dir / "m.csv", "step,loss\n1,nan\n2,inf\n3,0.5\n4,0.");
  const MetricsCsv csv = read_metrics_csv((dir / "m.csv").string());
  ASSERT_EQ(csv.rows(), 3u);
  EXPECT_TRUE(std::isnan(csv.columns.at("loss")[0]));
  EXPECT_TRUE(std::isinf(csv.columns.at("loss")[1]));
  EXPECT_EQ(csv.columns.at("loss")[2], 0.5);
  EXPECT_EQ(csv.column("noise_scale").size(), 3u);
  EXPECT_TRUE(std::isnan(csv.column("noise_scale")[2]));
  EXPECT_EQ(read_metrics_csv((dir / "absent.csv").string()).rows(), 0u);
  fs::remove_all(dir);
}

TEST(MetricsCsv, HeaderOnlyEmptyAndBadCells) {
  const fs::path dir = fs::temp_directory_path() / ("curvlab_csv_more_" + std::to_string(getpid()));
  fs::create_directories(dir);
  write(dir / "header.csv", "step,loss\n");
  const MetricsCsv h = read_metrics_csv((dir / "header.csv").string());
  EXPECT_EQ(h.rows(), 0u);
  EXPECT_EQ(h.header, (std::vector<std::string>{"step", "loss"}));
  EXPECT_TRUE(h.has("loss"));
  EXPECT_FALSE(h.has("accuracy"));
  write(dir / "empty.csv", "");
  EXPECT_EQ(read_metrics_csv((dir / "empty.csv").string()).rows(), 0u);
  write(dir / "bad.csv", "step,loss,acc\n1,abc,0.5\n2,0.25\n3,0.125,0.75\n");
  const MetricsCsv b = read_metrics_csv((dir / "bad.csv").string());
  ASSERT_EQ(b.rows(), 2u);                            // the short row is skipped
  EXPECT_TRUE(std::isnan(b.columns.at("loss")[0]));  // not a number
  EXPECT_EQ(b.columns.at("acc")[0], 0.5);
  EXPECT_EQ(b.columns.at("loss")[1], 0.125);
  EXPECT_EQ(b.columns.at("step"), (std::vector<double>{1, 3}));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace curvlab
