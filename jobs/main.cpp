// The curvlab binary: parses the command line and dispatches to validate / run / inspect / submit / status / report.
// Every error ends here as "error: <what is wrong and how to fix it>" and a non-zero status.
#include <cstdio>
#include <filesystem>
#include <map>
#include <iostream>

#include <c10/util/Exception.h>

#include "cluster/launch_context.h"
#include "cluster/run_status.h"
#include "cluster/submit.h"
#include "engine/checkpoint/inspect.h"
#include "engine/data/dataset.h"
#include "base/error.h"
#include "jobs/cli.h"
#include "jobs/job_parser.h"
#include "jobs/report/report.h"
#include "jobs/job_kinds.h"
#include "jobs/simulate/simulate_sections.h"
#include "jobs/sweep/sweep_runner.h"
#include "jobs/sweep/sweep_status.h"
#include "jobs/sweep/sweep_submit.h"

namespace {

int validate(const curvlab::CliOptions& cli) {
  curvlab::JobSpec spec = curvlab::load_job_file(cli.file, cli.overrides);
  curvlab::check_job_resources(spec);
  if (spec.sweep.present) return curvlab::print_sweep_expansion(spec, cli.overrides);
  if (spec.job.kind == "simulate") {
    std::printf("%s: ok (kind simulate, output %s)\n%s", cli.file.c_str(), spec.job.output_dir.c_str(),
                curvlab::describe_simulate_variants(spec.simulate).c_str());
    return 0;
  }
  if (spec.job.kind == "attack" || spec.job.kind == "hessian" || spec.job.kind == "jacobian") {
    // These kinds rebuild the model and its data set from the checkpoint's own job text at run time.
    const std::string& checkpoint = spec.job.kind == "attack"     ? spec.attack.checkpoint
                                    : spec.job.kind == "jacobian" ? spec.jacobian.checkpoint
                                                                  : spec.hessian.checkpoint;
    std::printf("%s: ok (kind %s on checkpoint %s: model and data set from its job, output %s)\n", cli.file.c_str(),
                spec.job.kind.c_str(), checkpoint.c_str(), spec.job.output_dir.c_str());
    return 0;
  }
  const curvlab::DatasetInfo info = curvlab::probe_dataset(spec.data);
  std::printf("%s: ok (kind %s, dataset %s: %lld train / %lld test samples, model %s, optimizer %s, output %s)\n",
              cli.file.c_str(), spec.job.kind.c_str(), spec.data.dataset.c_str(),
              static_cast<long long>(info.train_size), static_cast<long long>(info.test_size),
              spec.model.name.c_str(), curvlab::optimizer_names().name(spec.train.optimizer).c_str(),
              spec.job.output_dir.c_str());
  return 0;
}

int run(const curvlab::CliOptions& cli) {
  std::vector<std::string> overrides = cli.overrides;
  if (!cli.output_dir.empty()) overrides.push_back("job.output_dir=" + cli.output_dir);
  curvlab::JobSpec spec = curvlab::load_job_file(cli.file, overrides);
  curvlab::check_job_resources(spec);
  if (spec.sweep.present) {
    CURVLAB_CHECK(!cli.force, curvlab::ConfigError,
                  "--force does not apply to a sweep (a rerun skips done runs and resumes the others); to start a "
                  "sweep over, delete its directory " + spec.job.output_dir + " (or --retry-failed for diverged runs)");
    curvlab::SweepRunOptions sweep_options;
    sweep_options.quiet = cli.quiet;
    sweep_options.retry_failed = cli.retry_failed;
    return curvlab::run_sweep(spec, overrides, sweep_options);
  }
  CURVLAB_CHECK(!cli.retry_failed, curvlab::ConfigError,
                "--retry-failed is for sweeps (job files with a [sweep] section); " + cli.file + " has none");
  curvlab::RunOptions options;
  options.mode = cli.resume ? curvlab::RunMode::kResume : cli.force ? curvlab::RunMode::kForce : curvlab::RunMode::kFresh;
  options.auto_resume = cli.auto_resume;
  options.quiet = cli.quiet;
  return curvlab::run_job(spec, options);
}

// One job file: one batch job; several: one job array (a sweep will call submit_array itself).
int submit(const curvlab::CliOptions& cli) {
  std::vector<std::string> overrides = cli.overrides;
  overrides.insert(overrides.end(), cli.cluster_overrides.begin(), cli.cluster_overrides.end());
  curvlab::SubmitOptions options;
  options.dry_run = cli.dry_run;
  options.overrides = overrides;
  curvlab::SubmitResult result;
  if (cli.files.size() == 1) {
    const curvlab::JobSpec spec = curvlab::load_job_file(cli.files[0], overrides);
    CURVLAB_CHECK(!spec.sweep.present || cli.array_dir.empty(), curvlab::ConfigError,
                  "--array-dir does not apply to a sweep: its array's script and logs go to " + spec.job.output_dir +
                      "/slurm (set the sweep's job.output_dir, or --set job.output_dir=DIR, to move them)");
    result = spec.sweep.present ? curvlab::submit_sweep(spec, overrides, options) : curvlab::submit_run(spec.source_path, spec.job.name, spec.job.output_dir, spec.cluster, options);
  } else {
    std::vector<curvlab::JobSpec> specs;
    std::vector<curvlab::BatchRun> runs;
    std::map<std::string, std::string> seen;  // output_dir -> job file
    for (const std::string& file : cli.files) {
      specs.push_back(curvlab::load_job_file(file, overrides));
      CURVLAB_CHECK(!specs.back().sweep.present, curvlab::ConfigError,
                    file + " is a sweep ([sweep] section): submit it on its own (`curvlab submit " + file +
                        "`); it becomes one job array");
      const std::string& dir = specs.back().job.output_dir;
      CURVLAB_CHECK(seen.count(dir) == 0, curvlab::ConfigError,
                    file + " and " + seen[dir] + " write to the same job.output_dir '" + dir +
                        "'; give each run of an array its own output_dir");
      seen[dir] = file;
      runs.push_back({file, dir});
    }
    const std::string name = std::filesystem::path(cli.array_dir).lexically_normal().filename().string();
    result = curvlab::submit_array(name.empty() || name == "." ? specs[0].job.name : name, runs, cli.array_dir,
                                   specs[0].cluster, options);
  }
  for (const curvlab::BatchRun& r : result.skipped) {
    std::printf("skipped %s: %s\n", r.run_dir.c_str(), curvlab::run_is_done(r.run_dir) ? "already done" : "diverged");
  }
  if (result.script_path.empty()) {
    std::printf("nothing to submit: every run is done\n");
    return 0;
  }
  if (cli.dry_run) {
    std::printf("%s", result.script_text.c_str());
    std::fprintf(stderr, "wrote %s (dry run: not submitted; submit it with `sbatch %s`)\n", result.script_path.c_str(),
                 result.script_path.c_str());
    return 0;
  }
  std::printf("submitted Slurm job %s (%zu run%s): %s\n", result.job_id.c_str(), result.submitted.size(),
              result.submitted.size() == 1 ? "" : "s", result.script_path.c_str());
  return 0;
}

int status(const curvlab::CliOptions& cli) {
  if (curvlab::holds_sweep(cli.file)) {
    curvlab::SlurmQuery query;
    if (!cli.no_slurm) query = curvlab::slurm_query_squeue;
    curvlab::print_sweep_states(curvlab::collect_sweep_states(cli.file, query), std::cout);
    return 0;
  }
  const std::vector<std::string> runs = curvlab::find_runs(cli.file);
  if (runs.empty()) {
    std::fprintf(stderr, "error: %s holds no curvlab run (no job.toml, status or slurm_job_id), nor a runs.tsv, nor "
                 "sub-directories that do; pass a run's output directory or the directory of a sweep or array\n",
                 cli.file.c_str());
    return 2;
  }
  curvlab::SlurmQuery query;
  if (!cli.no_slurm) query = curvlab::slurm_query_squeue;
  curvlab::print_run_states(curvlab::collect_run_states(runs, query), std::cout);
  return 0;
}

int report(const curvlab::CliOptions& cli) {
  curvlab::ReportOptions options;
  if (!cli.report_target.empty()) options.target = curvlab::parse_target(cli.report_target);
  options.out_dir = cli.report_out;
  const curvlab::ReportOutcome outcome = curvlab::make_report(cli.file, options);
  std::printf("%s", outcome.text.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  curvlab::CliOptions cli;
  const int early = curvlab::parse_cli(argc, argv, &cli);
  if (early >= 0) return early;
  try {
    // The launcher's rank, until the communicator knows better: warnings printed before it exists
    // (while reading the job or the run directory) come once, from rank 0 (base/log.h).
    curvlab::set_process_rank(curvlab::detect_launch_context().env_rank);
    if (cli.command == "validate") return validate(cli);
    if (cli.command == "run") return run(cli);
    if (cli.command == "submit") return submit(cli);
    if (cli.command == "status") return status(cli);
    if (cli.command == "report") return report(cli);
    if (cli.command == "inspect") {
      curvlab::inspect_state_file(cli.file, std::cout);
      return 0;
    }
    std::fprintf(stderr, "error: unknown command '%s'\n", cli.command.c_str());
    return 2;
  } catch (const curvlab::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    if (!dynamic_cast<const curvlab::ConfigError*>(&e)) std::fprintf(stderr, "  (at %s)\n", e.where().c_str());
    return e.exit_code();
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "error: LibTorch: %s\n", e.what_without_backtrace());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
