// The plain job structs' helpers (jobs/job_spec.cpp): a source location printed as file, file:line or
// file:line:column, JobSpec::where finding a key's recorded location or falling back to the file, and
// the resolved values (defaults included) compared key by key.
#include "jobs/job_spec.h"

#include <gtest/gtest.h>

#include "jobs/job_parser.h"

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

TEST(JobSpec, ResolvedValuesIncludeDefaultsAndCompareKeyByKey) {
  const JobSpec a = parse_job_text("[job]\nname = \"r\"\noutput_dir = \"runs/r\"\n[train]\nlr = 0.1\n", "a.toml");
  ASSERT_EQ(a.resolved.count("train.lr"), 1u);
  EXPECT_EQ(a.resolved.at("train.lr"), "0.1");
  EXPECT_EQ(a.resolved.at("job.output_dir"), "\"runs/r\"");
  ASSERT_EQ(a.resolved.count("train.momentum"), 1u) << "a default is resolved too";
  EXPECT_EQ(a.resolved.at("train.optimizer").front(), '"') << "strings are TOML literals, quoted";
  // Another text for the same job: the default written out, an integer for a float, other order.
  const JobSpec b = parse_job_text("[train]\nmomentum = " + a.resolved.at("train.momentum") +
                                       "\nlr = 0.1\n[job]\noutput_dir = \"runs/r\"\nname = \"r\"\n",
                                   "b.toml");
  EXPECT_TRUE(resolved_differences(a, b).empty());
  const JobSpec c = parse_job_text("[job]\nname = \"r\"\noutput_dir = \"runs/other\"\n[train]\nlr = 1\n", "c.toml");
  EXPECT_EQ(resolved_differences(a, c),
            (std::vector<std::string>{"job.output_dir: \"runs/r\" -> \"runs/other\"", "train.lr: 0.1 -> 1.0"}));
  EXPECT_EQ(resolved_differences(a, c, {"job.output_dir"}), (std::vector<std::string>{"train.lr: 0.1 -> 1.0"}));
  JobSpec d = a;
  d.resolved.erase("train.lr");
  EXPECT_EQ(resolved_differences(a, d), (std::vector<std::string>{"train.lr: 0.1 -> (unset)"}));
}

}  // namespace
}  // namespace curvlab
