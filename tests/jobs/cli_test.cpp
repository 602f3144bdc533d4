// The command line (jobs/cli.cpp) parsed into CliOptions: every subcommand with its flags, repeated
// --set, submit's cluster flags turned into cluster.* overrides in a fixed order, the usage errors
// (exit status 2 with a message: flags that exclude each other, several job files without
// --array-dir, a missing file, a flag out of range, no subcommand), and --help / --version (0).
#include "jobs/cli.h"

#include <gtest/gtest.h>

#include <fstream>

#include "jobs/capture_output.h"

namespace curvlab {
namespace {

struct Parsed {
  int status = 0;
  CliOptions options;
  std::string out, err;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "curvlab");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  Parsed p;
  jobs_test::Capture out(1), err(2);
  p.status = parse_cli(static_cast<int>(argv.size()), argv.data(), &p.options);
  out.stop();
  err.stop();
  p.out = out.text();
  p.err = err.text();
  return p;
}

class Cli : public ::testing::Test {
 protected:
  jobs_test::ScratchDir dir{"cli"};
  std::string job = dir / "job.toml", other = dir / "other.toml";
  void SetUp() override {
    std::ofstream(job) << "[job]\n";
    std::ofstream(other) << "[job]\n";
  }
};

TEST_F(Cli, RunWithEveryFlag) {
  const Parsed p = parse({"run", job, "--resume", "--set", "train.lr=0.05", "--set", "model.name=mlp", "--output",
                          "runs/x", "--quiet"});
  EXPECT_EQ(p.status, -1) << p.err;
  EXPECT_EQ(p.options.command, "run");
  EXPECT_EQ(p.options.file, job);
  EXPECT_TRUE(p.options.resume);
  EXPECT_FALSE(p.options.force);
  EXPECT_EQ(p.options.overrides, (std::vector<std::string>{"train.lr=0.05", "model.name=mlp"}));
  EXPECT_EQ(p.options.output_dir, "runs/x");
  EXPECT_TRUE(p.options.quiet);
  const Parsed f = parse({"run", job, "--force", "--retry-failed"});
  EXPECT_EQ(f.status, -1);
  EXPECT_TRUE(f.options.force);
  EXPECT_TRUE(f.options.retry_failed);
  const Parsed a = parse({"run", job, "--auto-resume"});
  EXPECT_EQ(a.status, -1);
  EXPECT_TRUE(a.options.auto_resume);
}

TEST_F(Cli, ExclusiveFlagsAreUsageErrors) {
  const Parsed rf = parse({"run", job, "--resume", "--force"});
  EXPECT_EQ(rf.status, 2);
  EXPECT_NE(rf.err.find("error: --resume and --force exclude each other"), std::string::npos) << rf.err;
  for (const char* flag : {"--resume", "--force"}) {
    const Parsed ar = parse({"run", job, "--auto-resume", flag});
    EXPECT_EQ(ar.status, 2) << flag;
    EXPECT_NE(ar.err.find("error: --auto-resume excludes --resume and --force"), std::string::npos) << ar.err;
  }
}

TEST_F(Cli, ValidateInspectStatusReport) {
  const Parsed v = parse({"validate", job, "--set", "train.lr=1"});
  EXPECT_EQ(v.status, -1);
  EXPECT_EQ(v.options.command, "validate");
  EXPECT_EQ(v.options.overrides, (std::vector<std::string>{"train.lr=1"}));
  const Parsed i = parse({"inspect", job});
  EXPECT_EQ(i.options.command, "inspect");
  EXPECT_EQ(i.options.file, job);
  const Parsed s = parse({"status", dir.path(), "--no-slurm"});
  EXPECT_EQ(s.status, -1);
  EXPECT_EQ(s.options.command, "status");
  EXPECT_TRUE(s.options.no_slurm);
  const Parsed r = parse({"report", dir.path(), "--target", "test_accuracy=0.9", "--out", "rep"});
  EXPECT_EQ(r.status, -1);
  EXPECT_EQ(r.options.command, "report");
  EXPECT_EQ(r.options.file, dir.path());
  EXPECT_EQ(r.options.report_target, "test_accuracy=0.9");
  EXPECT_EQ(r.options.report_out, "rep");
  EXPECT_EQ(parse({"status", job}).status, 2);  // a file, not a directory
}

TEST_F(Cli, SubmitFlagsBecomeClusterOverrides) {
  const Parsed p = parse({"submit", job, "--time", "01:00:00", "--nodes", "2", "--no-requeue", "--throttle", "4",
                          "--partition", "gpu", "--dry-run", "--set", "train.lr=0.1"});
  EXPECT_EQ(p.status, -1) << p.err;
  EXPECT_EQ(p.options.command, "submit");
  EXPECT_EQ(p.options.files, (std::vector<std::string>{job}));
  EXPECT_TRUE(p.options.dry_run);
  EXPECT_EQ(p.options.overrides, (std::vector<std::string>{"train.lr=0.1"}));
  // Integer flags in their table's order, then string flags, then --no-requeue.
  EXPECT_EQ(p.options.cluster_overrides,
            (std::vector<std::string>{"cluster.nodes=2", "cluster.array_throttle=4", "cluster.time=01:00:00",
                                      "cluster.partition=gpu", "cluster.requeue=false"}));
  EXPECT_TRUE(parse({"submit", job}).options.cluster_overrides.empty());
  const Parsed two = parse({"submit", job, other});
  EXPECT_EQ(two.status, 2);
  EXPECT_NE(two.err.find("pass --array-dir DIR"), std::string::npos) << two.err;
  const Parsed arr = parse({"submit", job, other, "--array-dir", "arr"});
  EXPECT_EQ(arr.status, -1);
  EXPECT_EQ(arr.options.files.size(), 2u);
  EXPECT_EQ(arr.options.array_dir, "arr");
  EXPECT_EQ(parse({"submit", job, "--nodes", "0"}).status, 2);  // below the flag's range
  EXPECT_EQ(parse({"submit", job, "--gpus-per-node", "0"}).status, -1);
}

TEST_F(Cli, UsageErrorsHelpAndVersion) {
  const Parsed none = parse({});
  EXPECT_EQ(none.status, 2);
  EXPECT_FALSE(none.err.empty());
  const Parsed missing = parse({"run", dir / "absent.toml"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("absent.toml"), std::string::npos) << missing.err;
  EXPECT_EQ(parse({"run"}).status, 2);  // the job file is required
  EXPECT_EQ(parse({"train", job}).status, 2);
  const Parsed help = parse({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("run"), std::string::npos);
  EXPECT_NE(help.out.find("report"), std::string::npos);
  const Parsed version = parse({"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.out.rfind("curvlab ", 0), 0u) << version.out;
}

}  // namespace
}  // namespace curvlab
