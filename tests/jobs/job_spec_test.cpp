// The plain job structs' helpers (jobs/job_spec.cpp): a source location printed as file, file:line or
// file:line:column, and JobSpec::where finding a key's recorded location or falling back to the file.
#include "jobs/job_spec.h"

#include <gtest/gtest.h>

namespace curvlab {
namespace {

TEST(SourceLocation, Str) {
  SourceLocation loc;
  loc.file = "a.toml";
  EXPECT_EQ(loc.str(), "a.toml");
  loc.line = 3;
  EXPECT_EQ(loc.str(), "a.toml:3");
  loc.column = 7;
  EXPECT_EQ(loc.str(), "a.toml:3:7");
}

TEST(JobSpec, WhereFindsTheKeyOrTheFile) {
  JobSpec s;
  s.source_path = "job.toml";
  s.locations["train.lr"] = SourceLocation{"job.toml", 4, 6};
  s.locations["train.nesterov"] = SourceLocation{"--set train.nesterov=true", 0, 0};
  EXPECT_EQ(s.where("train.lr").str(), "job.toml:4:6");
  EXPECT_EQ(s.where("train.nesterov").str(), "--set train.nesterov=true");
  EXPECT_EQ(s.where("train.momentum").str(), "job.toml");
  EXPECT_EQ(s.where("train.momentum").line, 0);
}

}  // namespace
}  // namespace curvlab
