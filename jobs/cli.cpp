// CLI11 definition of curvlab's subcommands and flags.
#include "jobs/cli.h"

#include <CLI/CLI.hpp>

#include "engine/version.h"

namespace curvlab {

int parse_cli(int argc, char** argv, CliOptions* out) {
  CLI::App app{"curvlab: distributed experiments on how neural networks train (see README.md)", "curvlab"};
  app.set_version_flag("--version", std::string("curvlab ") + CURVLAB_VERSION);
  app.require_subcommand(1);

  auto* run = app.add_subcommand("run", "Run a job file (under mpirun/srun: one rank per process)");
  run->add_option("job", out->file, "Job file (TOML); see docs/job-files.md")->required()->check(CLI::ExistingFile);
  run->add_flag("--resume", out->resume, "Continue the run in job.output_dir from its newest valid checkpoint");
  run->add_flag("--force", out->force, "Delete the results of a previous run in job.output_dir and start over");
  run->add_option("--set", out->overrides, "Override a job-file key: --set train.lr=0.05 (repeatable)");
  run->add_option("--output", out->output_dir, "Override job.output_dir");
  run->add_flag("--quiet", out->quiet, "Only errors and the final summary");

  auto* validate = app.add_subcommand("validate", "Check a job file (and its data files) without running anything");
  validate->add_option("job", out->file, "Job file (TOML)")->required()->check(CLI::ExistingFile);
  validate->add_option("--set", out->overrides, "Override a job-file key, as for run");

  auto* inspect = app.add_subcommand("inspect", "Print what a checkpoint or results file holds");
  inspect->add_option("file", out->file, "HDF5 checkpoint (.h5) or results.h5")->required()->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (run->parsed()) out->command = "run";
  if (validate->parsed()) out->command = "validate";
  if (inspect->parsed()) out->command = "inspect";
  if (out->resume && out->force) {
    std::fprintf(stderr, "error: --resume and --force exclude each other: --resume continues the run, --force deletes it\n");
    return 2;
  }
  return -1;
}

}  // namespace curvlab
