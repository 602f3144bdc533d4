// Checkpointer: file naming, keep-last rotation, and latest_valid() falling back past corrupted
// or truncated checkpoints with a warning on stderr.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/checkpoint/checkpointer.h"
#include "engine/checkpoint/hdf5_state_reader.h"
#include "base/error.h"
#include "tests/engine/checkpoint/checkpoint_test_util.h"

namespace curvlab {
namespace {

using testing_ckpt::ScratchDir;

std::string save_step(Checkpointer& ckpt, std::int64_t step) {
  return ckpt.save(step, [&](StateWriter& w) {
    w.write_int("trainer/step", step);
    w.write_tensor("model/w", torch::full({4}, static_cast<double>(step)));
  }, {{"step", std::to_string(step)}});
}

std::vector<std::string> names(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(std::filesystem::path(p).filename().string());
  return out;
}

TEST(Checkpointer, SavesNamedFilesListedByStep) {
  ScratchDir dir;
  Checkpointer ckpt(dir.file("run/ckpt"), 10);
  EXPECT_TRUE(ckpt.list().empty());
  EXPECT_FALSE(ckpt.latest_valid().has_value());
  const std::string path = save_step(ckpt, 100);
  EXPECT_EQ(path, dir.file("run/ckpt/ckpt_00000100.h5"));
  save_step(ckpt, 7);
  save_step(ckpt, 123456789);
  std::ofstream(dir.file("run/ckpt/ckpt_00000050.h5.tmp.99")) << "stale temp file";
  std::ofstream(dir.file("run/ckpt/notes.txt")) << "not a checkpoint";
  EXPECT_EQ(names(ckpt.list()), (std::vector<std::string>{"ckpt_00000007.h5", "ckpt_00000100.h5",
                                                          "ckpt_123456789.h5"}));
  EXPECT_EQ(open_state_file(*ckpt.latest_valid())->read_int("trainer/step"), 123456789);
}

TEST(Checkpointer, KeepsOnlyTheLastN) {
  ScratchDir dir;
  Checkpointer ckpt(dir.path(), 2);
  for (std::int64_t step = 1; step <= 5; ++step) save_step(ckpt, step * 10);
  EXPECT_EQ(names(ckpt.list()),
            (std::vector<std::string>{"ckpt_00000040.h5", "ckpt_00000050.h5"}));
}

TEST(Checkpointer, RotationNeverRemovesTheFileJustWritten) {
  ScratchDir dir;
  Checkpointer ckpt(dir.path(), 1);
  save_step(ckpt, 20);
  save_step(ckpt, 5);  // e.g. after resuming from scratch because step 20 was unusable
  EXPECT_EQ(names(ckpt.list()), (std::vector<std::string>{"ckpt_00000005.h5"}));
}

TEST(Checkpointer, LatestValidSkipsBrokenCheckpointsWithAWarning) {
  ScratchDir dir;
  Checkpointer ckpt(dir.path(), 5);
  const std::string p1 = save_step(ckpt, 1);
  const std::string p2 = save_step(ckpt, 2);
  const std::string p3 = save_step(ckpt, 3);
  const auto offset = Hdf5StateReader(p3).data_file_offset("model/w");
  ASSERT_TRUE(offset.has_value());
  testing_ckpt::flip_byte(p3, *offset);

  ::testing::internal::CaptureStderr();
  const auto latest = ckpt.latest_valid();
  const std::string warning = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(*latest, p2);
  EXPECT_NE(warning.find("warning: skipping checkpoint " + p3 + ": "), std::string::npos)
      << warning;
  EXPECT_NE(warning.find("checksum mismatch"), std::string::npos) << warning;
  EXPECT_NE(warning.find("; using the next older one"), std::string::npos) << warning;

  testing_ckpt::truncate_to_fraction(p2, 0.3);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(ckpt.latest_valid(), std::optional<std::string>(p1));
  const std::string two = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(two.find("skipping checkpoint " + p2), std::string::npos) << two;
  EXPECT_NE(two.find("truncated"), std::string::npos) << two;

  std::filesystem::resize_file(p1, 0);
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(ckpt.latest_valid().has_value());
  const std::string none = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(none.find("no older checkpoint is left"), std::string::npos) << none;
}

// Every rank reads the same checkpoints and skips the same ones: the warning is printed once, by
// rank 0, not once per rank.
TEST(Checkpointer, SkipWarningOnlyFromRankZero) {
  ScratchDir dir;
  Checkpointer ckpt(dir.path(), 5);
  const std::string p1 = save_step(ckpt, 1);
  const std::string p2 = save_step(ckpt, 2);
  testing_ckpt::truncate_to_fraction(p2, 0.3);
  const int saved = process_rank();
  set_process_rank(1);
  ::testing::internal::CaptureStderr();
  const auto on_rank_1 = ckpt.latest_valid();
  const std::string rank_1_output = ::testing::internal::GetCapturedStderr();
  set_process_rank(0);
  ::testing::internal::CaptureStderr();
  const auto on_rank_0 = ckpt.latest_valid();
  const std::string rank_0_output = ::testing::internal::GetCapturedStderr();
  set_process_rank(saved);
  EXPECT_EQ(on_rank_1, std::optional<std::string>(p1));
  EXPECT_EQ(on_rank_0, std::optional<std::string>(p1));
  EXPECT_EQ(rank_1_output, "");
  EXPECT_NE(rank_0_output.find("warning: skipping checkpoint " + p2), std::string::npos) << rank_0_output;
}

TEST(Checkpointer, RejectsBadSettings) {
  EXPECT_THROW(Checkpointer("/tmp/x", 0), ConfigError);
  EXPECT_THROW(Checkpointer("", 3), ConfigError);
  ScratchDir dir;
  Checkpointer ckpt(dir.path(), 1);
  EXPECT_THROW(save_step(ckpt, -1), IoError);
}

}  // namespace
}  // namespace curvlab
