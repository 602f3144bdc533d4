// Tests of base/log.h: shared warnings and notes print once (rank 0, or no rank known), never on
// other ranks; a per-rank warning prints on every rank and names it.
#include "base/log.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace curvlab {
namespace {

struct RankGuard {
  int saved = process_rank();
  ~RankGuard() { set_process_rank(saved); }
};

std::string stderr_of(int rank, void (*print)(const std::string&), const std::string& text) {
  RankGuard guard;
  set_process_rank(rank);
  testing::internal::CaptureStderr();
  print(text);
  return testing::internal::GetCapturedStderr();
}

TEST(Log, SharedWarningOnlyFromRankZeroOrUnranked) {
  EXPECT_EQ(stderr_of(0, log::warn, "skipping checkpoint x"), "warning: skipping checkpoint x\n");
  EXPECT_EQ(stderr_of(-1, log::warn, "skipping checkpoint x"), "warning: skipping checkpoint x\n");
  EXPECT_EQ(stderr_of(1, log::warn, "skipping checkpoint x"), "");
  EXPECT_EQ(stderr_of(3, log::warn, "skipping checkpoint x"), "");
}

TEST(Log, NoteOnlyFromRankZeroOrUnranked) {
  EXPECT_EQ(stderr_of(0, log::note, "resume: from step 5"), "resume: from step 5\n");
  EXPECT_EQ(stderr_of(2, log::note, "resume: from step 5"), "");
}

TEST(Log, RankWarningOnEveryRankNamesIt) {
  EXPECT_EQ(stderr_of(2, log::warn_rank, "cuda:1 is busy"), "warning (rank 2): cuda:1 is busy\n");
  EXPECT_EQ(stderr_of(0, log::warn_rank, "cuda:0 is busy"), "warning (rank 0): cuda:0 is busy\n");
  EXPECT_EQ(stderr_of(-1, log::warn_rank, "no rank"), "warning: no rank\n");
}

TEST(Log, PrintsShared) {
  RankGuard guard;
  set_process_rank(-1);
  EXPECT_TRUE(log::prints_shared());
  set_process_rank(0);
  EXPECT_TRUE(log::prints_shared());
  set_process_rank(1);
  EXPECT_FALSE(log::prints_shared());
}

}  // namespace
}  // namespace curvlab
