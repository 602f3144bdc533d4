// The progress hook (engine/hooks/progress_hook.cpp) as rank 0 prints it on a non-terminal stderr:
// the evaluation line "eval step S epoch E: train_loss L test_loss L test_accuracy A" (values with 4
// decimals, from the run's own eval table in results.h5), the log line of the last step (loss,
// accuracy, lr of that step's row), and the lines of a reached target and of a resume, in order.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "engine/checkpoint/checkpointer.h"
#include "engine/run_files.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) { return test_util::temp_dir("progress_hook_test", name); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string expected_eval_line(const StateReader& results, std::int64_t row) {
  const auto at = [&](const char* col) { return results.read_tensor(std::string("metrics/eval/") + col)[row].item<double>(); };
  char buf[256];
  std::snprintf(buf, sizeof buf, "eval step %lld epoch %.2f: train_loss %.4f test_loss %.4f test_accuracy %.4f",
                static_cast<long long>(at("step")), at("epoch"), at("train_loss"), at("test_loss"), at("test_accuracy"));
  return buf;
}

TEST(ProgressHook, EvalLinesAndTheLastLogLine) {
  const std::string out = temp_dir("lines");
  TrainerOptions o = test_util::tiny_options(out);  // 18 steps, evaluations at the epoch ends 9 and 18
  std::string text;
  {
    test_util::CaptureStderr err;
    test_util::run_trainer(o);
    text = err.text();
  }
  auto results = open_state_file(out + "/results.h5");
  const std::vector<std::string> lines = lines_of(text);
  std::vector<std::string> evals;
  for (const auto& l : lines) {
    if (l.rfind("eval step", 0) == 0) evals.push_back(l);
  }
  ASSERT_EQ(evals.size(), 2u) << text;
  EXPECT_EQ(evals[0], expected_eval_line(*results, 0));
  EXPECT_EQ(evals[1], expected_eval_line(*results, 1));
  EXPECT_EQ(evals[0].rfind("eval step 9 epoch 1.00: train_loss ", 0), 0u) << evals[0];
  // log_every_seconds = 1000: only the last step prints its line.
  std::vector<std::string> steps;
  for (const auto& l : lines) {
    if (l.rfind("step ", 0) == 0) steps.push_back(l);
  }
  ASSERT_EQ(steps.size(), 1u) << text;
  const auto last = [&](const char* col) { return results->read_tensor(std::string("metrics/step/") + col)[17].item<double>(); };
  char prefix[256];
  std::snprintf(prefix, sizeof prefix, "step 18/18 epoch 2.00 loss %.4f acc %.3f lr %.4g ", last("loss"), last("accuracy"),
                last("lr"));
  EXPECT_EQ(steps[0].rfind(prefix, 0), 0u) << steps[0] << "\nexpected to start with: " << prefix;
  EXPECT_NE(steps[0].find(" samples/s elapsed "), std::string::npos) << steps[0];
  EXPECT_NE(steps[0].find(" ETA 00:00"), std::string::npos) << steps[0];
  fs::remove_all(out);
}

TEST(ProgressHook, TargetAndResumeMessages) {
  const std::string out = temp_dir("messages");
  TrainerOptions o = test_util::tiny_options(out);
  o.steps = 2;
  o.eval_every_steps = 1;
  o.checkpoint_every_steps = 2;
  o.target_metric = "test_loss";
  o.target_value = 100;  // met by the first evaluation
  std::string text;
  {
    test_util::CaptureStderr err;
    test_util::run_trainer(o);
    text = err.text();
  }
  std::vector<std::string> lines = lines_of(text);
  ASSERT_EQ(lines.size(), 4u) << text;
  EXPECT_EQ(lines[0].rfind("eval step 1 epoch 0.12: ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1], "target test_loss <= 100 reached at step 1");
  EXPECT_EQ(lines[2].rfind("step 2/2 epoch 0.24 ", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3].rfind("eval step 2 epoch 0.24: ", 0), 0u) << lines[3];
  o.steps = 3;
  {
    test_util::CaptureStderr err;
    test_util::run_trainer(o, RunMode::kResume);
    text = err.text();
  }
  lines = lines_of(text);
  ASSERT_GE(lines.size(), 1u) << text;
  EXPECT_EQ(lines[0], "resumed from " + out + "/checkpoints/ckpt_00000002.h5 at step 2");
  EXPECT_EQ(text.find("reached"), std::string::npos) << "the target was met before the resume: no second message";
  fs::remove_all(out);
}

}  // namespace
}  // namespace curvlab
