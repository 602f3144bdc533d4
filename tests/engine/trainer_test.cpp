// Trainer tests: a run stopped mid-epoch and resumed ends bitwise equal to an uninterrupted run;
// a NaN loss stops the run with NumericsError and no checkpoint holding NaN.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "comm/local/local_communicator.h"
#include "engine/checkpoint/checkpointer.h"
#include "base/error.h"
#include "engine/run_files.h"
#include "engine/trainer.h"
#include "jobs/train/train_options.h"
#include "jobs/job_parser.h"

namespace fs = std::filesystem;
using namespace curvlab;

namespace {

std::string temp_dir(const std::string& name) { return test_util::temp_dir("trainer_test", name); }

JobSpec tiny_job(const std::string& out, double lr = 0.1) {
  const std::string text =
      "[job]\nname = \"t\"\noutput_dir = \"" + out + "\"\nseed = 3\n"
      "[data]\ndataset = \"synthetic\"\nsynthetic_train = 200\nsynthetic_test = 64\nsynthetic_shape = [1, 4, 4]\n"
      "synthetic_classes = 3\n"
      "[model]\nname = \"mlp\"\nwidths = [16]\n"
      "[train]\nepochs = 2\nbatch_size = 24\nlr = " + std::to_string(lr) + "\nmomentum = 0.9\nweight_decay = 1e-4\n"
      "checkpoint_every_steps = 4\nkeep_last = 2\nlog_every_seconds = 1000\n"
      "[train.lr_schedule]\nkind = \"cosine\"\nwarmup_epochs = 0.5\n";
  return parse_job_text(text, "tiny.toml");
}

using test_util::final_model;

}  // namespace

TEST(Trainer, ResumeMidEpochIsBitwiseIdentical) {
  auto comm = std::make_shared<LocalCommunicator>();
  const std::string a = temp_dir("full"), b = temp_dir("resumed");
  prepare_run_dir(a, RunMode::kFresh);
  const TrainResult full = make_job_trainer(tiny_job(a), comm, RunMode::kFresh)->run();
  // 200 samples / 24 = 9 batches per epoch: 18 steps.
  EXPECT_EQ(full.steps, 18);

  prepare_run_dir(b, RunMode::kFresh);
  std::int64_t polls = 0;
  TrainerCallbacks stop_at_step_6;  // stops mid-epoch 0 (after 6 of 9 steps), checkpointing there
  stop_at_step_6.stop_requested = [&] { return ++polls > 6; };
  const TrainResult part = make_job_trainer(tiny_job(b), comm, RunMode::kFresh, stop_at_step_6)->run();
  EXPECT_EQ(part.steps, 6);
  const TrainResult rest = make_job_trainer(tiny_job(b), comm, RunMode::kResume)->run();
  EXPECT_TRUE(rest.resumed);
  EXPECT_EQ(rest.resumed_from_step, 6);
  EXPECT_EQ(rest.steps, 18);

  auto ma = final_model(a), mb = final_model(b);
  ASSERT_EQ(ma.size(), mb.size());
  ASSERT_FALSE(ma.empty());
  for (const auto& [name, t] : ma) {
    ASSERT_TRUE(mb.count(name)) << name;
    EXPECT_TRUE(torch::equal(t, mb[name])) << name << " max diff " << (t - mb[name]).abs().max().item<double>();
  }
  EXPECT_DOUBLE_EQ(full.test_accuracy, rest.test_accuracy);
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(Trainer, NanLossStopsWithoutCheckpoint) {
  auto comm = std::make_shared<LocalCommunicator>();
  const std::string a = temp_dir("nan");
  prepare_run_dir(a, RunMode::kFresh);
  try {
    make_job_trainer(tiny_job(a, 1e30), comm, RunMode::kFresh)->run();
    FAIL() << "expected NumericsError";
  } catch (const NumericsError& e) {
    EXPECT_NE(std::string(e.what()).find("train.lr"), std::string::npos) << e.what();
  }
  Checkpointer ck(a + "/checkpoints", 2);
  for (const auto& path : ck.list()) {
    auto in = open_state_file(path);
    for (const auto& name : in->children("model")) {
      EXPECT_TRUE(torch::isfinite(in->read_tensor("model/" + name)).all().item<bool>()) << path << " " << name;
    }
  }
  fs::remove_all(a);
}
