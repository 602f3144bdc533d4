// CLI11 definition of curvlab's subcommands and flags.
#include "jobs/cli.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <map>

#include "base/version.h"

namespace curvlab {

int parse_cli(int argc, char** argv, CliOptions* out) {
  CLI::App app{"curvlab: distributed experiments on how neural networks train (see README.md)", "curvlab"};
  app.set_version_flag("--version", std::string("curvlab ") + CURVLAB_VERSION);
  app.require_subcommand(1);

  auto* run = app.add_subcommand("run", "Run a job file (under mpirun/srun: one rank per process)");
  run->add_option("job", out->file, "Job file (TOML); see docs/job-files.md")->required()->check(CLI::ExistingFile);
  run->add_flag("--resume", out->resume, "Continue the run in job.output_dir from its newest valid checkpoint");
  run->add_flag("--auto-resume", out->auto_resume,
                "Resume the run in job.output_dir if there is one, else start it (batch scripts use this)");
  run->add_flag("--force", out->force, "Delete the results of a previous run in job.output_dir and start over");
  run->add_option("--set", out->overrides, "Override a job-file key: --set train.lr=0.05 (repeatable)");
  run->add_option("--output", out->output_dir, "Override job.output_dir");
  run->add_flag("--quiet", out->quiet, "Only errors and the final summary");
  run->add_flag("--retry-failed", out->retry_failed,
                "Sweeps ([sweep] section): start diverged runs over (else a rerun skips them like done ones)");

  auto* validate = app.add_subcommand("validate", "Check a job file (and its data files) without running anything");
  validate->add_option("job", out->file, "Job file (TOML)")->required()->check(CLI::ExistingFile);
  validate->add_option("--set", out->overrides, "Override a job-file key, as for run");

  auto* inspect = app.add_subcommand("inspect", "Print what a checkpoint or results file holds");
  inspect->add_option("file", out->file, "HDF5 checkpoint (.h5) or results.h5")->required()->check(CLI::ExistingFile);

  auto* submit = app.add_subcommand(
      "submit", "Write an sbatch script for a job (several job files: one job array) and submit it with sbatch");
  submit->add_option("jobs", out->files,
                     "Job file(s) (TOML); their [cluster] sections give the defaults. One sweep file ([sweep]): one "
                     "job array, one task per run")
      ->required()
      ->check(CLI::ExistingFile);
  struct IntFlag {
    const char* flag;
    const char* key;
    const char* help;
    std::int64_t min;
  };
  static const IntFlag kIntFlags[] = {
      {"--nodes", "nodes", "Nodes per run ([cluster] nodes)", 1},
      {"--ntasks-per-node", "tasks_per_node", "Ranks per node ([cluster] tasks_per_node)", 1},
      {"--gpus-per-node", "gpus_per_node", "GPUs per node ([cluster] gpus_per_node)", 0},
      {"--cpus-per-task", "cpus_per_task", "CPUs per rank ([cluster] cpus_per_task)", 0},
      {"--signal-seconds", "signal_seconds", "Warning signal this many seconds before the time limit", 0},
      {"--throttle", "array_throttle", "Job arrays: at most N tasks at once (sbatch --array=...%N)", 0},
  };
  std::map<std::string, std::int64_t> int_values;
  for (const IntFlag& f : kIntFlags) {
    submit->add_option(f.flag, int_values[f.key], f.help)->check(CLI::Range(f.min, std::int64_t{1} << 40));
  }
  std::map<std::string, std::string> string_values;
  static const std::pair<const char*, const char*> kStringFlags[] = {
      {"--time", "time"}, {"--partition", "partition"}, {"--account", "account"},
      {"--qos", "qos"},   {"--mem", "mem"},             {"--launcher", "launcher"},
  };
  for (const auto& [flag, key] : kStringFlags) {
    submit->add_option(flag, string_values[key], std::string("[cluster] ") + key);
  }
  bool no_requeue = false;
  submit->add_flag("--no-requeue", no_requeue, "Do not requeue the job when it is preempted or near its time limit");
  submit->add_option("--array-dir", out->array_dir,
                     "With several job files: directory for the array's script (array.sbatch), runs.tsv and logs");
  submit->add_option("--set", out->overrides, "Override a job-file key in every run: --set train.lr=0.05 (repeatable)");
  submit->add_flag("--dry-run", out->dry_run, "Only write the script and print it; do not call sbatch");

  auto* status = app.add_subcommand("status", "Show the state of a run, a job array or a sweep from its directory");
  status->add_option("dir", out->file, "A run's output directory, a sweep directory, or a directory of runs")
      ->required()
      ->check(CLI::ExistingDirectory);
  status->add_flag("--no-slurm", out->no_slurm, "Do not ask Slurm (squeue); read only the directories");

  auto* report = app.add_subcommand(
      "report", "Tables and plots of a sweep (steps to target per optimizer and batch size) or of one run's curves");
  report->add_option("dir", out->file, "A sweep's output directory, or a run's")->required()->check(CLI::ExistingDirectory);
  report->add_option("--target", out->report_target,
                     "METRIC=VALUE, e.g. test_accuracy=0.88 (replaces the runs' train.target_metric/target_value)");
  report->add_option("--out", out->report_out, "Where to write the report (default: DIR/report)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (run->parsed()) out->command = "run";
  if (validate->parsed()) out->command = "validate";
  if (inspect->parsed()) out->command = "inspect";
  if (status->parsed()) out->command = "status";
  if (report->parsed()) out->command = "report";
  if (submit->parsed()) {
    out->command = "submit";
    for (const IntFlag& f : kIntFlags) {
      if (submit->count(f.flag) > 0) out->cluster_overrides.push_back(std::string("cluster.") + f.key + "=" + std::to_string(int_values[f.key]));
    }
    for (const auto& [flag, key] : kStringFlags) {
      if (submit->count(flag) > 0) out->cluster_overrides.push_back(std::string("cluster.") + key + "=" + string_values[key]);
    }
    if (no_requeue) out->cluster_overrides.push_back("cluster.requeue=false");
    if (out->files.size() > 1 && out->array_dir.empty()) {
      std::fprintf(stderr, "error: several job files become one job array: pass --array-dir DIR for its script and logs\n");
      return 2;
    }
  }
  if (out->auto_resume && (out->resume || out->force)) {
    std::fprintf(stderr, "error: --auto-resume excludes --resume and --force: it already resumes when there is a run\n");
    return 2;
  }
  if (out->resume && out->force) {
    std::fprintf(stderr, "error: --resume and --force exclude each other: --resume continues the run, --force deletes it\n");
    return 2;
  }
  return -1;
}

}  // namespace curvlab
