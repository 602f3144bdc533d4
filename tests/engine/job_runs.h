// Test helpers for engine tests that build their runs from job-file text through the train job
// kind (jobs/train/train_options.h), as `curvlab run` does: the large-batch job of the trainer and
// hook tests, running it on one rank, and comparing the final models of two runs.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "comm/local/local_communicator.h"
#include "engine/run_files.h"
#include "engine/trainer.h"
#include "jobs/job_parser.h"
#include "jobs/train/train_options.h"

namespace curvlab::test_util {

// 240 synthetic 1x4x4 samples in 3 classes, an MLP with 16 hidden units, SGD momentum 0.9, seed 5;
// `train_extra` is appended to [train] (and may open further tables).
inline JobSpec large_batch_job(const std::string& out, const std::string& train_extra, std::int64_t batch = 24,
                               double lr = 0.1) {
  const std::string text =
      "[job]\nname = \"lb\"\noutput_dir = \"" + out + "\"\nseed = 5\n"
      "[data]\ndataset = \"synthetic\"\nsynthetic_train = 240\nsynthetic_test = 96\nsynthetic_shape = [1, 4, 4]\n"
      "synthetic_classes = 3\n"
      "[model]\nname = \"mlp\"\nwidths = [16]\n"
      "[train]\nbatch_size = " + std::to_string(batch) + "\nlr = " + std::to_string(lr) +
      "\nmomentum = 0.9\nkeep_last = 2\nlog_every_seconds = 1000\n" + train_extra + "\n";
  return parse_job_text(text, "lb.toml");
}

inline TrainResult run_job(const JobSpec& spec, RunMode mode = RunMode::kFresh, TrainerCallbacks hooks = {}) {
  if (mode == RunMode::kFresh) prepare_run_dir(spec.job.output_dir, RunMode::kFresh);
  return make_job_trainer(spec, std::make_shared<LocalCommunicator>(), mode, std::move(hooks))->run();
}

// tol 0: bitwise equal.
inline void expect_models_close(const std::string& a, const std::string& b, double tol) {
  auto ma = final_model(a), mb = final_model(b);
  ASSERT_EQ(ma.size(), mb.size());
  ASSERT_FALSE(ma.empty());
  for (const auto& [name, t] : ma) {
    const double diff = (t - mb.at(name)).abs().max().item<double>();
    if (tol == 0) {
      EXPECT_TRUE(torch::equal(t, mb.at(name))) << name << " max diff " << diff;
    } else {
      EXPECT_LE(diff, tol) << name;
    }
  }
}

}  // namespace curvlab::test_util
