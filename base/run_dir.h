// A run's output directory: what it holds, and the rules for starting, resuming or forcing a run
// in it (never silently overwriting a previous run). Layout: docs/checkpoint-format.md.
#pragma once

#include <string>

namespace curvlab {

enum class RunMode { kFresh, kResume, kForce };

struct RunPaths {
  std::string dir;          // the output directory
  std::string job_file;     // <dir>/job.toml: the job text the run was started with
  std::string checkpoints;  // <dir>/checkpoints
  std::string results;      // <dir>/results.h5
  std::string status;       // <dir>/status: "running" | "done" | "failed: ..." (one line)
  std::string heartbeat;    // <dir>/heartbeat: who runs it, beating while it runs (base/heartbeat.h)
  explicit RunPaths(const std::string& output_dir);
};

// True when the directory holds files of a curvlab run (job.toml, checkpoints/, results.h5).
bool holds_run(const std::string& dir);

// Checks, without changing anything, that `mode` is allowed for `dir`; throws ConfigError
// explaining --resume / --force otherwise, and when a live process on this host still runs it
// (its status says running and its heartbeat's process is there). Safe to call on every rank.
void check_run_dir(const std::string& dir, RunMode mode);

// Creates the directory (rank 0 only); with kForce first removes the files of the old run
// (job.toml, checkpoints/, results.h5, metrics_*.csv, status), nothing else.
void prepare_run_dir(const std::string& dir, RunMode mode);

// Writes `text` to `path` atomically (temp file, fsync, rename).
void write_text_atomic(const std::string& path, const std::string& text);
std::string read_text_file(const std::string& path);

}  // namespace curvlab
