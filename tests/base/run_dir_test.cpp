// Tests of base/run_dir.h: which directories hold a run, the fresh/resume/force rules of
// check_run_dir (and that it changes nothing), what prepare_run_dir creates and, with --force,
// removes (the run's files only: a user's own files and folders beside them survive), and the
// atomic text writes.
#include "base/run_dir.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "base/error.h"
#include "base/heartbeat.h"

namespace curvlab {
namespace {
namespace fs = std::filesystem;

// A scratch directory, removed at the end of the test.
struct Scratch {
  fs::path dir;
  explicit Scratch(const std::string& name)
      : dir(fs::temp_directory_path() / ("curvlab_run_dir_" + name + "_" + std::to_string(getpid()))) {
    fs::remove_all(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string str() const { return dir.string(); }
};

void touch(const fs::path& p, const std::string& text = "x\n") {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// Every path under `dir`, relative to it.
std::set<std::string> listing(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.insert(fs::relative(e.path(), dir).string());
  return out;
}

std::string message_of(const std::string& dir, RunMode mode) {
  try {
    check_run_dir(dir, mode);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(RunDir, PathsOfARun) {
  const RunPaths p("out/r1");
  EXPECT_EQ(p.dir, "out/r1");
  EXPECT_EQ(p.job_file, "out/r1/job.toml");
  EXPECT_EQ(p.checkpoints, "out/r1/checkpoints");
  EXPECT_EQ(p.results, "out/r1/results.h5");
  EXPECT_EQ(p.status, "out/r1/status");
  EXPECT_EQ(p.heartbeat, "out/r1/heartbeat");
}

// A run that another live process on this host still runs (status running, its heartbeat's PID
// there) is not resumed or forced over; once that process is gone (killed), it is.
TEST(RunDir, RefusesARunThatIsLiveRightNow) {
  Scratch s("live");
  touch(s.dir / "job.toml");
  touch(s.dir / "status", "running\n");
  const pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  HeartbeatInfo beat = current_heartbeat();
  beat.pid = child;
  beat.start_ticks = 0;
  touch(s.dir / "heartbeat", heartbeat_text(beat));
  const std::string resume = message_of(s.str(), RunMode::kResume);
  EXPECT_NE(resume.find("is being run right now"), std::string::npos) << resume;
  EXPECT_NE(resume.find("kill " + std::to_string(child)), std::string::npos) << resume;
  EXPECT_NE(message_of(s.str(), RunMode::kForce), "");
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_EQ(message_of(s.str(), RunMode::kResume), "");
  EXPECT_EQ(message_of(s.str(), RunMode::kForce), "");
  // This process's own heartbeat (a sweep's next run in the same process) is no conflict.
  touch(s.dir / "heartbeat", heartbeat_text(current_heartbeat()));
  EXPECT_EQ(message_of(s.str(), RunMode::kResume), "");
}

TEST(RunDir, HoldsARunWhenItHasAJobFileCheckpointsOrResults) {
  Scratch s("holds");
  EXPECT_FALSE(holds_run(s.str()));  // missing
  fs::create_directories(s.dir);
  touch(s.dir / "notes.txt");
  touch(s.dir / "status", "done\n");            // a status or metrics alone are not a run
  touch(s.dir / "metrics_steps.csv");
  EXPECT_FALSE(holds_run(s.str()));
  for (const std::string f : {"job.toml", "results.h5", "checkpoints"}) {
    Scratch one("holds_" + f.substr(0, 3));
    if (f == "checkpoints") fs::create_directories(one.dir / f);
    else touch(one.dir / f);
    EXPECT_TRUE(holds_run(one.str())) << f;
  }
}

TEST(RunDir, CheckFollowsTheFreshResumeForceRulesAndChangesNothing) {
  Scratch empty("check_empty"), run("check_run");
  // A directory that does not exist yet, or holds no run: fresh and force are fine, resume is not.
  EXPECT_EQ(message_of(empty.str(), RunMode::kFresh), "");
  EXPECT_EQ(message_of(empty.str(), RunMode::kForce), "");
  const std::string resume = message_of(empty.str(), RunMode::kResume);
  EXPECT_NE(resume.find("holds no run to resume"), std::string::npos) << resume;
  EXPECT_NE(resume.find("without --resume"), std::string::npos) << resume;
  EXPECT_FALSE(fs::exists(empty.dir));  // check never creates
  // A directory holding a run: fresh is refused (naming both ways out), resume and force are fine.
  touch(run.dir / "job.toml");
  touch(run.dir / "mine.txt");
  const auto before = listing(run.dir);
  const std::string fresh = message_of(run.str(), RunMode::kFresh);
  for (const char* hint : {"already holds a run", "--resume", "--force", "job.output_dir"}) {
    EXPECT_NE(fresh.find(hint), std::string::npos) << hint << " missing in: " << fresh;
  }
  EXPECT_EQ(message_of(run.str(), RunMode::kResume), "");
  EXPECT_EQ(message_of(run.str(), RunMode::kForce), "");
  EXPECT_EQ(listing(run.dir), before);
  // A file where the directory should be: refused in every mode.
  touch(empty.dir / "file");
  for (RunMode m : {RunMode::kFresh, RunMode::kResume, RunMode::kForce}) {
    EXPECT_NE(message_of((empty.dir / "file").string(), m).find("is not a directory"), std::string::npos);
  }
}

TEST(RunDir, PrepareCreatesTheDirectoryAndItsCheckpointsFolder) {
  Scratch s("prepare");
  prepare_run_dir((s.dir / "a" / "b").string(), RunMode::kFresh);
  EXPECT_TRUE(fs::is_directory(s.dir / "a" / "b" / "checkpoints"));
  // Resume keeps everything.
  touch(s.dir / "a" / "b" / "job.toml");
  touch(s.dir / "a" / "b" / "checkpoints" / "ckpt_000010.h5");
  const auto before = listing(s.dir);
  prepare_run_dir((s.dir / "a" / "b").string(), RunMode::kResume);
  EXPECT_EQ(listing(s.dir), before);
}

TEST(RunDir, ForceRemovesTheRunFilesAndNothingElse) {
  Scratch s("force");
  const fs::path d = s.dir;
  for (const char* f : {"job.toml", "results.h5", "status", "metrics_steps.csv", "metrics_evals.csv",
                        "checkpoints/ckpt_000010.h5", "checkpoints/sub/x"}) {
    touch(d / f);
  }
  // The user's files: beside the run, in folders, and names that only resemble the run's.
  for (const char* f : {"notes.txt", "data/train.bin", "results.h5.bak", "job.toml~", "metrics_other.csv",
                        "plots/loss.png", "report/summary.md"}) {
    touch(d / f);
  }
  prepare_run_dir(d.string(), RunMode::kForce);
  EXPECT_EQ(listing(d), (std::set<std::string>{"checkpoints", "notes.txt", "data", "data/train.bin", "results.h5.bak",
                                               "job.toml~", "metrics_other.csv", "plots", "plots/loss.png", "report",
                                               "report/summary.md"}));
  EXPECT_TRUE(fs::is_empty(d / "checkpoints"));  // recreated, empty
  // Force on a directory that holds no run removes nothing (its status is not a run's).
  Scratch other("force_norun");
  touch(other.dir / "status", "done\n");
  touch(other.dir / "metrics_steps.csv");
  prepare_run_dir(other.str(), RunMode::kForce);
  EXPECT_EQ(listing(other.dir), (std::set<std::string>{"checkpoints", "metrics_steps.csv", "status"}));
}

TEST(RunDir, ForceReportsAnOldRunFileItCannotRemove) {
  // results.h5 is a non-empty directory here, so it cannot be removed as a file: --force must
  // say so instead of starting the new run next to the old results.
  Scratch s("force_fail");
  touch(s.dir / "job.toml");
  touch(s.dir / "results.h5" / "keep");
  try {
    prepare_run_dir(s.str(), RunMode::kForce);
    ADD_FAILURE() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("--force: cannot remove the old run"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("results.h5"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::exists(s.dir / "results.h5" / "keep"));
}

TEST(RunDir, WriteTextAtomicReplacesTheFileAndLeavesNoTemporary) {
  Scratch s("atomic");
  fs::create_directories(s.dir);
  const std::string f = (s.dir / "status").string();
  write_text_atomic(f, "running\n");
  EXPECT_EQ(read_text_file(f), "running\n");
  write_text_atomic(f, "done\n");
  EXPECT_EQ(read_text_file(f), "done\n");
  write_text_atomic(f, std::string("a\0b", 3));
  EXPECT_EQ(read_text_file(f), std::string("a\0b", 3));  // binary-safe
  EXPECT_EQ(listing(s.dir), std::set<std::string>{"status"});
  EXPECT_THROW(write_text_atomic((s.dir / "missing" / "x").string(), "x"), IoError);
  EXPECT_EQ(listing(s.dir), std::set<std::string>{"status"});
  try {
    read_text_file((s.dir / "absent").string());
    ADD_FAILURE() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace curvlab
