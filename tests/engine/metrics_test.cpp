// Metric tables (engine/metrics.cpp): append and column access, the CSV text (%.9g, NaN as "nan"),
// save/load as one float64 dataset per column through a real state file (columns missing from an
// older file read as NaN, a missing first column or unequal lengths are IoErrors); RunMetrics saving
// steps and evals always but the snapshot table and tables added with add_table only once they have
// rows, and restoring them; CsvSink writing the always-present files with their header, a further
// table's file appearing with its header at its first row, and a new sink rewriting from the tables.
#include "engine/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/run_files.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Dir {
  std::string path = test_util::temp_dir("metrics_test", std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  Dir() { fs::create_directories(path); }
  ~Dir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

TEST(MetricTable, AppendColumnsAndCsv) {
  MetricTable t({"step", "loss", "note"});
  EXPECT_EQ(t.rows(), 0u);
  EXPECT_EQ(t.to_csv(), "step,loss,note\n");
  t.append({1, 0.5, std::nan("")});
  t.append({2, 1.0 / 3.0, -1e-20});
  EXPECT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.column("step"), (std::vector<double>{1, 2}));
  EXPECT_EQ(t.csv_header(), "step,loss,note\n");
  EXPECT_EQ(t.csv_row(0), "1,0.5,nan\n");
  EXPECT_EQ(t.csv_row(1), "2,0.333333333,-1e-20\n");
  EXPECT_EQ(t.to_csv(), "step,loss,note\n1,0.5,nan\n2,0.333333333,-1e-20\n");
  try {
    t.append({3, 4});
    FAIL() << "no Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("metric row has 2 values for 3 columns"), std::string::npos) << e.what();
  }
  EXPECT_THROW(t.column("accuracy"), Error);
}

TEST(MetricTable, SaveAndLoadThroughAStateFile) {
  Dir dir;
  MetricTable t({"step", "loss"});
  t.append({1, 0.25});
  t.append({2, std::nan("")});
  write_state_file(dir.file("t.h5"), [&](StateWriter& w) {
    t.save_state(w, "m");
    w.write_tensor("old/step", torch::tensor({5.0, 6.0}, torch::kFloat64));  // a table of an older version
    w.write_tensor("short/step", torch::tensor({1.0, 2.0}, torch::kFloat64));
    w.write_tensor("short/loss", torch::tensor({1.0}, torch::kFloat64));
  }, {});
  auto in = open_state_file(dir.file("t.h5"));
  EXPECT_EQ(in->read_tensor("m/loss").scalar_type(), torch::kFloat64);
  MetricTable back({"step", "loss"});
  back.load_state(*in, "m");
  EXPECT_EQ(back.rows(), 2u);
  EXPECT_EQ(back.column("step"), t.column("step"));
  EXPECT_EQ(back.column("loss")[0], 0.25);
  EXPECT_TRUE(std::isnan(back.column("loss")[1]));
  // A column the file lacks (added in a later version) reads as NaN; the first column must be there.
  MetricTable newer({"step", "loss", "grad_sq_norm"});
  newer.load_state(*in, "old");
  EXPECT_EQ(newer.rows(), 2u);
  EXPECT_TRUE(std::isnan(newer.column("loss")[0]) && std::isnan(newer.column("grad_sq_norm")[1]));
  MetricTable other({"epoch", "loss"});
  EXPECT_THROW(other.load_state(*in, "m"), IoError);
  MetricTable uneven({"step", "loss"});
  EXPECT_THROW(uneven.load_state(*in, "short"), IoError);
}

TEST(RunMetrics, ExtraTablesAreSavedOnlyWithRowsAndRestored) {
  Dir dir;
  RunMetrics m;
  MetricTable& extra = m.add_table("hessian_tracking", "hessian_tracking.csv", {"step", "top_eigenvalue"});
  MetricTable& unused = m.add_table("never", "never.csv", {"step"});
  m.add_table("third", "third.csv", {"x"});  // references stay valid as tables are added
  m.steps.append(std::vector<double>(m.steps.columns().size(), 1.0));
  write_state_file(dir.file("empty.h5"), [&](StateWriter& w) { m.save_state(w, "metrics"); }, {});
  {
    auto in = open_state_file(dir.file("empty.h5"));
    EXPECT_TRUE(in->has("metrics/step/step"));
    EXPECT_TRUE(in->has("metrics/eval/step"));  // saved even while empty
    EXPECT_FALSE(in->has("metrics/snapshot"));
    EXPECT_FALSE(in->has("metrics/hessian_tracking"));
    EXPECT_FALSE(in->has("metrics/never"));
  }
  extra.append({5, 2.5});
  m.snapshots.append(std::vector<double>(m.snapshots.columns().size(), 3.0));
  write_state_file(dir.file("rows.h5"), [&](StateWriter& w) { m.save_state(w, "metrics"); }, {});
  auto in = open_state_file(dir.file("rows.h5"));
  EXPECT_TRUE(in->has("metrics/hessian_tracking/top_eigenvalue"));
  EXPECT_TRUE(in->has("metrics/snapshot/ensemble_accuracy"));
  EXPECT_FALSE(in->has("metrics/never"));
  EXPECT_EQ(unused.rows(), 0u);

  RunMetrics restored;
  MetricTable& r_extra = restored.add_table("hessian_tracking", "hessian_tracking.csv", {"step", "top_eigenvalue"});
  MetricTable& r_never = restored.add_table("never", "never.csv", {"step"});
  restored.load_state(*in, "metrics");
  EXPECT_EQ(restored.steps.rows(), 1u);
  EXPECT_EQ(restored.evals.rows(), 0u);
  EXPECT_EQ(restored.snapshots.rows(), 1u);
  EXPECT_EQ(r_extra.column("top_eigenvalue"), (std::vector<double>{2.5}));
  EXPECT_EQ(r_never.rows(), 0u);
  ASSERT_EQ(restored.extras().size(), 2u);
  EXPECT_EQ(restored.extras()[0].csv_name, "hessian_tracking.csv");
  // Restoring from a file without the extra tables leaves them empty (a run that switches tracking on).
  RunMetrics later;
  MetricTable& l_extra = later.add_table("hessian_tracking", "hessian_tracking.csv", {"step", "top_eigenvalue"});
  later.load_state(*open_state_file(dir.file("empty.h5")), "metrics");
  EXPECT_EQ(l_extra.rows(), 0u);
  EXPECT_EQ(later.snapshots.rows(), 0u);
}

TEST(CsvSink, HeadersFirstRowsAndRewrite) {
  Dir dir;
  RunMetrics m;
  MetricTable& extra = m.add_table("hessian_tracking", "hessian_tracking.csv", {"step", "top_eigenvalue"});
  std::ofstream(dir.file("metrics_snapshots.csv")) << "stale rows of a segment after the last checkpoint\n";
  {
    CsvSink sink(dir.path, m);
    // steps and evals exist with their header at once; tables without rows have no file.
    EXPECT_EQ(read_file(dir.file("metrics_steps.csv")), m.steps.csv_header());
    EXPECT_EQ(read_file(dir.file("metrics_evals.csv")), m.evals.csv_header());
    EXPECT_FALSE(fs::exists(dir.file("metrics_snapshots.csv")));
    EXPECT_FALSE(fs::exists(dir.file("hessian_tracking.csv")));
    m.steps.append(std::vector<double>(m.steps.columns().size(), 1.0));
    sink.flush_new_rows();
    EXPECT_EQ(read_file(dir.file("metrics_steps.csv")), m.steps.to_csv());
    EXPECT_FALSE(fs::exists(dir.file("hessian_tracking.csv")));
    extra.append({3, 0.5});
    sink.flush_new_rows();
    EXPECT_EQ(read_file(dir.file("hessian_tracking.csv")), "step,top_eigenvalue\n3,0.5\n");
    extra.append({6, 0.75});
    sink.flush_new_rows();
    sink.flush_new_rows();  // nothing new: nothing written twice
    EXPECT_EQ(read_file(dir.file("hessian_tracking.csv")), "step,top_eigenvalue\n3,0.5\n6,0.75\n");
  }
  // A new sink (a resumed run) rewrites every file from the tables it is given.
  std::ofstream(dir.file("metrics_steps.csv"), std::ios::app) << "99,rows,after,the,checkpoint\n";
  RunMetrics resumed;
  MetricTable& r_extra = resumed.add_table("hessian_tracking", "hessian_tracking.csv", {"step", "top_eigenvalue"});
  r_extra.append({3, 0.5});
  CsvSink again(dir.path, resumed);
  EXPECT_EQ(read_file(dir.file("metrics_steps.csv")), resumed.steps.csv_header());
  EXPECT_EQ(read_file(dir.file("hessian_tracking.csv")), "step,top_eigenvalue\n3,0.5\n");
  // An unwritable directory is an IoError naming the file.
  EXPECT_THROW(CsvSink(dir.file("no/such/dir"), resumed), IoError);
}

}  // namespace
}  // namespace curvlab
