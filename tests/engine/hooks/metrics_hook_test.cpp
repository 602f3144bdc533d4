// The metrics hook (engine/hooks/metrics_hook.cpp): the CSV files follow the in-memory tables row for
// row as a run goes (read back after every step), and a run resumed from an older checkpoint than
// its last CSV rows rewrites the files from the checkpoint's tables, so the finished files hold every
// step once and equal the uninterrupted run's (all columns but the timings, compared as printed).
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/run_files.h"
#include "engine/train_context.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;
using test_util::read_csv;

std::string temp_dir(const std::string& name) { return test_util::temp_dir("metrics_hook_test", name); }

std::size_t lines_of(const std::string& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

void expect_same_tables(const std::string& a, const std::string& b, const std::string& file) {
  const auto ta = read_csv(a + "/" + file), tb = read_csv(b + "/" + file);
  ASSERT_EQ(ta.size(), tb.size()) << file;
  for (const auto& [col, values] : ta) {
    if (col == "samples_per_s" || col == "wall_time") continue;
    const auto& other = tb.at(col);
    ASSERT_EQ(values.size(), other.size()) << file << " " << col;
    for (std::size_t i = 0; i < values.size(); ++i) {
      EXPECT_TRUE(values[i] == other[i] || (std::isnan(values[i]) && std::isnan(other[i])))
          << file << " " << col << " row " << i << ": " << values[i] << " vs " << other[i];
    }
  }
}

// After each step (rank 0's end_of_step), metrics_steps.csv holds a header and one line per step.
struct CountLines : StepHook {
  std::vector<std::size_t>* seen;
  explicit CountLines(std::vector<std::size_t>* s) : seen(s) {}
  std::string name() const override { return "count_lines"; }
  void after_step(TrainContext& c) override { seen->push_back(lines_of(c.paths.dir + "/metrics_steps.csv")); }
};

TEST(MetricsHook, FilesFollowTheTablesStepByStep) {
  const std::string out = temp_dir("follow");
  TrainerOptions o = test_util::tiny_options(out);
  o.steps = 5;
  std::vector<std::size_t> seen;
  test_util::run_trainer(o, RunMode::kFresh, {[&](TrainContext&) { return std::make_unique<CountLines>(&seen); }});
  // Seen in after_step, before this step's end_of_step appends its row: header + the earlier steps.
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 2, 3, 4, 5}));  // the file is opened at the first end_of_step
  EXPECT_EQ(lines_of(out + "/metrics_steps.csv"), 6u);
  EXPECT_EQ(lines_of(out + "/metrics_evals.csv"), 2u);         // header + the last step's evaluation
  EXPECT_FALSE(fs::exists(out + "/metrics_snapshots.csv"));   // a table without rows has no file
  std::ifstream in(out + "/metrics_steps.csv");
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "step,epoch,loss,accuracy,lr,batch_size,samples_per_s,wall_time,grad_sq_norm,trace_sigma,noise_scale");
  fs::remove_all(out);
}

TEST(MetricsHook, ResumeRewritesTheFilesWithoutDuplicates) {
  const std::string a = temp_dir("full"), b = temp_dir("crashed");
  TrainerOptions o = test_util::tiny_options(a);
  o.checkpoint_every_steps = 4;
  o.eval_every_steps = 3;
  test_util::run_trainer(o);
  o.output_dir = b;
  test_util::run_trainer(o);
  // As after a crash at step 18 before the checkpoints of steps 16 and 18 were safe: the CSV files
  // hold 18 steps, the newest checkpoint is step 12.
  fs::remove(b + "/checkpoints/ckpt_00000016.h5");
  fs::remove(b + "/checkpoints/ckpt_00000018.h5");
  ASSERT_EQ(lines_of(b + "/metrics_steps.csv"), 19u);
  const TrainResult r = test_util::run_trainer(o, RunMode::kResume);
  EXPECT_TRUE(r.resumed);
  EXPECT_EQ(r.resumed_from_step, 12);
  EXPECT_EQ(lines_of(b + "/metrics_steps.csv"), 19u);
  const auto steps = read_csv(b + "/metrics_steps.csv").at("step");
  for (std::size_t i = 0; i < steps.size(); ++i) EXPECT_EQ(steps[i], static_cast<double>(i + 1));
  EXPECT_EQ(read_csv(b + "/metrics_evals.csv").at("step"), (std::vector<double>{3, 6, 9, 12, 15, 18}));
  expect_same_tables(a, b, "metrics_steps.csv");
  expect_same_tables(a, b, "metrics_evals.csv");
  fs::remove_all(a);
  fs::remove_all(b);
}

}  // namespace
}  // namespace curvlab
