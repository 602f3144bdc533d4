// The checkpoint hook (engine/hooks/checkpoint_hook.cpp): which steps write a checkpoint (and the
// results file) in runs of 9 steps per epoch: every train.checkpoint_every_steps steps plus the last
// step; else every epoch end (with drop_last too) plus the last step; a run stopped on request
// writes one at the stop step and says so. Also what a checkpoint written by the hook records.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/checkpoint/checkpointer.h"
#include "engine/run_files.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;
using test_util::checkpoint_steps;

std::string temp_dir(const std::string& name) { return test_util::temp_dir("checkpoint_hook_test", name); }

TEST(CheckpointHook, EveryNStepsAndTheLastStep) {
  const std::string out = temp_dir("every");
  TrainerOptions o = test_util::tiny_options(out);  // 200 samples / 24: 9 steps per epoch, 18 steps
  o.checkpoint_every_steps = 4;
  test_util::run_trainer(o);
  EXPECT_EQ(checkpoint_steps(out), (std::vector<std::int64_t>{4, 8, 12, 16, 18}));
  o.checkpoint_every_steps = 6;  // the last step is a multiple: written once
  test_util::run_trainer(o);
  EXPECT_EQ(checkpoint_steps(out), (std::vector<std::int64_t>{6, 12, 18}));
  fs::remove_all(out);
}

TEST(CheckpointHook, EpochEndsByDefault) {
  const std::string out = temp_dir("epochs");
  TrainerOptions o = test_util::tiny_options(out);
  test_util::run_trainer(o);
  EXPECT_EQ(checkpoint_steps(out), (std::vector<std::int64_t>{9, 18}));
  o.drop_last = true;  // 8 full batches per epoch
  test_util::run_trainer(o);
  EXPECT_EQ(checkpoint_steps(out), (std::vector<std::int64_t>{8, 16}));
  o.drop_last = false;
  o.steps = 13;  // the planned end (13) in the middle of epoch 2
  test_util::run_trainer(o);
  EXPECT_EQ(checkpoint_steps(out), (std::vector<std::int64_t>{9, 13}));
  // keep_last rotates what the hook writes.
  o.keep_last = 1;
  test_util::run_trainer(o);
  EXPECT_EQ(checkpoint_steps(out), (std::vector<std::int64_t>{13}));
  fs::remove_all(out);
}

TEST(CheckpointHook, StopRequestWritesOneAtTheStopStep) {
  const std::string out = temp_dir("stop");
  TrainerOptions o = test_util::tiny_options(out);
  o.checkpoint_every_steps = 4;
  std::int64_t polls = 0;
  TrainerCallbacks stop;
  stop.stop_requested = [&] { return ++polls > 6; };
  test_util::CaptureStderr err;
  const TrainResult r = test_util::run_trainer(o, RunMode::kFresh, {}, stop);
  err.restore();
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.steps, 6);
  EXPECT_EQ(checkpoint_steps(out), (std::vector<std::int64_t>{4, 6}));
  EXPECT_EQ(r.last_checkpoint, out + "/checkpoints/ckpt_00000006.h5");
  EXPECT_NE(err.text().find("stop requested: checkpoint written at step 6: " + r.last_checkpoint), std::string::npos)
      << err.text();
  // The results file follows every checkpoint.
  EXPECT_EQ(open_state_file(out + "/results.h5")->read_int("summary/steps"), 6);
  fs::remove_all(out);
}

TEST(CheckpointHook, CheckpointRecordsTheRun) {
  const std::string out = temp_dir("content");
  TrainerOptions o = test_util::tiny_options(out);
  o.steps = 4;
  test_util::run_trainer(o);
  const std::string path = out + "/checkpoints/ckpt_00000004.h5";
  const auto attrs = read_state_attributes(path);
  EXPECT_EQ(attrs.at("kind"), "checkpoint");
  EXPECT_EQ(attrs.at("step"), "4");
  EXPECT_EQ(attrs.at("job_text"), o.job_text);
  EXPECT_EQ(attrs.at("job_file"), "tiny.toml");
  EXPECT_EQ(attrs.at("model_spec"), "mlp:1:4:4:3:16:relu");
  auto in = open_state_file(path);
  EXPECT_EQ(in->read_int("trainer/step"), 4);
  EXPECT_EQ(in->read_int("trainer/position"), 96);
  EXPECT_EQ(in->read_int("trainer/epoch"), 0);
  EXPECT_EQ(in->read_int("trainer/size"), 200);
  EXPECT_EQ(in->read_int("trainer/world_size"), 1);
  EXPECT_EQ(in->read_int("rng/seed"), 3);
  EXPECT_TRUE(in->has("rng/torch_cpu/rank_0"));
  EXPECT_EQ(in->read_tensor("metrics/step/step").numel(), 4);
  const auto results = read_state_attributes(out + "/results.h5");
  EXPECT_EQ(results.at("kind"), "results");
  EXPECT_EQ(results.count("model_spec"), 0u);
  EXPECT_EQ(results.count("job_file"), 0u);
  fs::remove_all(out);
}

}  // namespace
}  // namespace curvlab
