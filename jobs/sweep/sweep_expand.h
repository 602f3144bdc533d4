// Expansion of a sweep job file (one with a [sweep] section) into its runs: every grid point (of
// the grid, or of the grid crossed with each case) combined with every seeded random draw, each a
// resolved job file with a stable id, checked by the ordinary job parser. Also the sweep directory's layout (docs/sweeps.md):
//   <sweep_dir>/sweep.toml  <sweep_dir>/sweep.tsv  <sweep_dir>/jobs/<id>.toml  <sweep_dir>/runs/<id>/
// Not for: running the runs (jobs/sweep/sweep_runner.h) or reading their state (sweep_status.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jobs/job_spec.h"

namespace curvlab {

struct SweepRun {
  std::string id;                                          // 12 hex digits: hash of the resolved settings
  std::vector<std::pair<std::string, std::string>> values; // swept key -> TOML literal (the keys its case sets)
  std::string job_text;                                    // the resolved job file (no [sweep])
  std::string job_file;                                    // <sweep_dir>/jobs/<id>.toml
  std::string run_dir;                                     // <sweep_dir>/runs/<id>
  std::int64_t batch_size = 0;                             // resolved train.batch_size
  std::int64_t steps = 0;                                  // resolved train.steps (0: epochs apply)
  std::int64_t epochs = 0;                                 // resolved train.epochs
  std::shared_ptr<const JobSpec> spec;                     // job_text, parsed (once, by expand_sweep)
};

struct SweepPlan {
  std::string sweep_dir;                 // the sweep file's job.output_dir
  std::string name;                      // the sweep file's job.name
  std::vector<std::string> keys;         // swept keys: grid and case keys (sorted), then random keys (sorted)
  std::vector<SweepRun> runs;            // case by case, grid order (last key fastest), random draws innermost
  std::size_t grid_points = 0;
  std::size_t duplicates = 0;            // combinations that resolved to an id already listed (dropped)
};

// Most runs a sweep may expand to (a typo in a grid should not write a million files).
constexpr std::size_t kMaxSweepRuns = 10000;

// Expands `spec` (parsed from a file with [sweep]; `overrides` are the --set strings it was parsed
// with, applied to every run). Every run is parsed as an ordinary job file; a value that its key
// rejects is a ConfigError that names the sweep key, the run's values and the key's own message.
// Writes nothing.
SweepPlan expand_sweep(const JobSpec& spec, const std::vector<std::string>& overrides = {});

// The run id of a resolved job text: 12 hex digits of the 64-bit FNV-1a hash of its canonical
// form (keys sorted, floats shortest round-trip) without job.name, job.output_dir and [cluster].
std::string sweep_run_id(const std::string& resolved_job_text);

// The checks that need the disk (data files, batch size vs data set size: check_job_resources)
// for every run; a ConfigError names the run's id and values.
void check_sweep_resources(const SweepPlan& plan);

// Names inside a sweep directory.
constexpr const char* kSweepFileName = "sweep.toml";
constexpr const char* kSweepTableName = "sweep.tsv";
constexpr const char* kSweepSlurmDir = "slurm";

// Writes sweep.toml (the sweep file's text), sweep.tsv and jobs/<id>.toml (only where the text
// changed) and creates runs/. Returns the directories under runs/ that match no run of `plan`
// (left over from an earlier version of the sweep file; never deleted).
std::vector<std::string> write_sweep_layout(const SweepPlan& plan, const JobSpec& spec);

// A run's values in `plan.keys` order (sweep.tsv's columns), `unset` for a key its case does not set.
std::vector<std::string> plan_row(const SweepPlan& plan, const SweepRun& run, const std::string& unset);

// "train.lr = 0.05, train.batch_size = 128": a run's swept values for messages and tables.
std::string describe_values(const SweepRun& run);

}  // namespace curvlab
