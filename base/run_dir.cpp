// Output-directory rules for runs: fresh / resume / force, and atomic small-file writes.
#include "base/run_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/heartbeat.h"

namespace fs = std::filesystem;

namespace curvlab {

RunPaths::RunPaths(const std::string& output_dir)
    : dir(output_dir), job_file(output_dir + "/job.toml"), checkpoints(output_dir + "/checkpoints"),
      results(output_dir + "/results.h5"), status(output_dir + "/status"),
      heartbeat(output_dir + "/heartbeat") {}

bool holds_run(const std::string& dir) {
  const RunPaths p(dir);
  std::error_code ec;
  return fs::exists(p.job_file, ec) || fs::exists(p.checkpoints, ec) || fs::exists(p.results, ec);
}

void check_run_dir(const std::string& dir, RunMode mode) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    CURVLAB_THROW(ConfigError, "job.output_dir '" + dir + "' exists and is not a directory; choose another job.output_dir");
  }
  if (mode == RunMode::kFresh && holds_run(dir)) {
    CURVLAB_THROW(ConfigError, "output directory '" + dir +
                                   "' already holds a run; pass --resume to continue it, --force to delete its "
                                   "results and start over, or choose another job.output_dir");
  }
  if (mode == RunMode::kResume && !holds_run(dir)) {
    CURVLAB_THROW(ConfigError, "--resume: output directory '" + dir +
                                   "' holds no run to resume; run without --resume to start one");
  }
  const RunPaths p(dir);
  std::string status;
  if (std::ifstream in(p.status); in) std::getline(in, status);
  if (status.rfind("running", 0) == 0) {
    if (const auto beat = read_heartbeat(p.heartbeat)) {
      const HeartbeatInfo here = current_heartbeat();
      const LivenessVerdict v = judge_heartbeat(*beat, here, beat->time, process_alive);
      CURVLAB_CHECK(v.state != Liveness::kAlive || beat->pid == here.pid, ConfigError,
                    "output directory '" + dir + "' is being run right now: " + v.reason +
                        "; wait for it to end or stop it (kill " + std::to_string(beat->pid) + ") first");
    }
  }
}

void prepare_run_dir(const std::string& dir, RunMode mode) {
  std::error_code ec;
  if (mode == RunMode::kForce && holds_run(dir)) {
    const RunPaths p(dir);
    // Each removal is checked on its own: a later success must not hide an earlier failure.
    for (const std::string& f : {p.job_file, p.results, p.status, p.heartbeat, dir + "/metrics_steps.csv",
                                 dir + "/metrics_evals.csv"}) {
      fs::remove(f, ec);
      CURVLAB_CHECK(!ec, IoError, "--force: cannot remove the old run in '" + dir + "': " + f + ": " + ec.message());
    }
    fs::remove_all(p.checkpoints, ec);
    CURVLAB_CHECK(!ec, IoError, "--force: cannot remove the old run in '" + dir + "': " + p.checkpoints + ": " + ec.message());
  }
  fs::create_directories(dir, ec);
  CURVLAB_CHECK(!ec, IoError, "cannot create output directory '" + dir + "': " + ec.message());
  fs::create_directories(RunPaths(dir).checkpoints, ec);
  CURVLAB_CHECK(!ec, IoError, "cannot create '" + RunPaths(dir).checkpoints + "': " + ec.message());
}

void write_text_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream f(tmp, std::ios::trunc | std::ios::binary);
    CURVLAB_CHECK(f.good(), IoError, "cannot write " + tmp + ": check that its directory is writable");
    f << text;
    f.flush();
    CURVLAB_CHECK(f.good(), IoError, "write to " + tmp + " failed (disk full?)");
  }
  const int fd = ::open(tmp.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    CURVLAB_THROW(IoError, "cannot rename " + tmp + " to " + path + ": " + ec.message());
  }
}

std::string read_text_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  CURVLAB_CHECK(f.good(), IoError, "cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace curvlab
