// Slurm time-limit strings: every form sbatch --time accepts, the ones it does not, and printing.
#include "cluster/slurm_time.h"

#include <gtest/gtest.h>

namespace curvlab {
namespace {

TEST(SlurmTime, Forms) {
  EXPECT_EQ(slurm_time_seconds("90"), 90 * 60);             // minutes
  EXPECT_EQ(slurm_time_seconds("30:15"), 30 * 60 + 15);     // MM:SS
  EXPECT_EQ(slurm_time_seconds("12:00:00"), 12 * 3600);     // HH:MM:SS
  EXPECT_EQ(slurm_time_seconds("2-00"), 2 * 86400);         // D-HH
  EXPECT_EQ(slurm_time_seconds("1-06:30"), 86400 + 6 * 3600 + 30 * 60);
  EXPECT_EQ(slurm_time_seconds("1-00:00:05"), 86405);
  for (const char* bad : {"", "0", "00:00:00", "abc", "1:2:3:4", "-1", "1-", "1--2", "12:", ":30", "1.5", "UNLIMITED"}) {
    EXPECT_EQ(slurm_time_seconds(bad), -1) << bad;
  }
}

TEST(SlurmTime, Format) {
  EXPECT_EQ(format_slurm_time(90 * 60), "01:30:00");
  EXPECT_EQ(format_slurm_time(59), "00:00:59");
  EXPECT_EQ(format_slurm_time(2 * 86400 + 3 * 3600 + 4 * 60 + 5), "2-03:04:05");
  EXPECT_EQ(format_slurm_time(slurm_time_seconds("2-00")), "2-00:00:00");
}

}  // namespace
}  // namespace curvlab
