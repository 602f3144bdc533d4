// Rank 0's progress output (engine/progress.cpp), captured from stderr: the plain log line (format,
// only every log_every_seconds or at the last step), the terminal bar (carriage return, 24-character
// bar filled by step/total, redrawn at most ~10 times a second but always at the last step), a message
// clearing the bar first, finish() ending a drawn bar with a newline, an unknown total ("--:--" ETA),
// and a disabled reporter printing nothing.
#include "engine/progress.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "engine/run_files.h"

namespace curvlab {
namespace {

using test_util::CaptureStderr;

TEST(ProgressReporter, LogLinesAtTheIntervalAndTheLastStep) {
  CaptureStderr err;
  ProgressReporter p(true, false, 1000.0, 5);
  p.update(1, 0.2, 1.5, 0.25, 0.1, 640);  // not the last step, interval not reached: nothing
  p.update(5, 1.0, 0.123456, 0.5, 0.05, 1234.4);
  const std::string text = err.text();
  EXPECT_EQ(text.find("step 1/5"), std::string::npos) << text;
  EXPECT_EQ(text.rfind("step 5/5 epoch 1.00 loss 0.1235 acc 0.500 lr 0.05 1234 samples/s elapsed 00:00 ETA 00:00\n", 0), 0u)
      << text;
}

TEST(ProgressReporter, EveryUpdateWithAZeroInterval) {
  CaptureStderr err;
  ProgressReporter p(true, false, 0.0, 0);  // total unknown
  p.update(1, 0.1, 2.0, 0.1, 0.1, 10);
  p.update(2, 0.2, 1.0, 0.2, 0.1, 10);
  const std::string text = err.text();
  EXPECT_NE(text.find("step 1/0 epoch 0.10 loss 2.0000 acc 0.100 lr 0.1 10 samples/s elapsed 00:00 ETA --:--\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("step 2/0 "), std::string::npos) << text;
}

TEST(ProgressReporter, TerminalBarMessageAndFinish) {
  CaptureStderr err;
  ProgressReporter p(true, true, 10.0, 8);
  p.update(8, 1.0, 0.5, 0.75, 0.2, 100);  // the last step always draws
  p.message("eval step 8");
  p.update(8, 1.0, 0.5, 0.75, 0.2, 100);
  p.finish();
  p.finish();  // nothing more: no bar drawn since
  const std::string text = err.text();
  const std::string bar = "\r[########################] step 8/8 ep 1.00 loss 0.5000 acc 0.750 lr 0.2 100 samples/s ETA 00:00 ";
  EXPECT_EQ(text, bar + "\r\033[K" + "eval step 8\n" + bar + "\n");
}

TEST(ProgressReporter, BarFillsByStepAndRedrawsAtMostTenTimesASecond) {
  CaptureStderr err;
  ProgressReporter p(true, true, 10.0, 24);
  p.update(6, 0.25, 1, 0, 0.1, 1);  // within 0.1 s of the start: skipped
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  p.update(6, 0.25, 1, 0, 0.1, 1);
  const std::string text = err.text();
  EXPECT_EQ(text.rfind("\r[######..................] step 6/24 ", 0), 0u) << text;
  EXPECT_EQ(text.find("step 6/24", text.find("step 6/24") + 1), std::string::npos) << "drawn twice: " << text;
}

// update_status: the same line with the caller's detail in place of the training numbers.
TEST(ProgressReporter, StatusLineWithDetail) {
  CaptureStderr err;
  ProgressReporter p(true, false, 1000.0, 4);
  p.update_status(1, "warmup, 40.0 MLUPS");  // interval not reached: nothing
  p.update_status(4, "snapshot 3/3, 41.5 MLUPS");
  const std::string text = err.text();
  EXPECT_EQ(text.find("step 1/4"), std::string::npos) << text;
  EXPECT_EQ(text.rfind("step 4/4 snapshot 3/3, 41.5 MLUPS elapsed 00:00 ETA 00:00\n", 0), 0u) << text;
}

TEST(ProgressReporter, DisabledPrintsNothing) {
  CaptureStderr err;
  ProgressReporter p(false, true, 0.0, 3);
  p.update(3, 1, 1, 1, 1, 1);
  p.message("hello");
  p.finish();
  EXPECT_EQ(err.text(), "");
  EXPECT_FALSE(stderr_is_tty());  // while captured into a file
}

}  // namespace
}  // namespace curvlab
